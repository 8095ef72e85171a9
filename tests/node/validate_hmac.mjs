// Reads {"secret", "queries": [...]} on stdin; prints, for each query, whether Shopify's own
// library (@shopify/shopify-api, utils.validateHmac) accepts its hmac.
import '@shopify/shopify-api/adapters/node';
import {ApiVersion, shopifyApi} from '@shopify/shopify-api';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const {secret, queries} = JSON.parse(text);
const shopify = shopifyApi({
  apiKey: 'proofstream-test',
  apiSecretKey: secret,
  scopes: [],
  hostName: 'app.test',
  apiVersion: ApiVersion.October26,
  isEmbeddedApp: false,
  logger: {level: 0},
});
const verdicts = [];
for (const query of queries) verdicts.push(await shopify.utils.validateHmac(query));
console.log(JSON.stringify(verdicts));
