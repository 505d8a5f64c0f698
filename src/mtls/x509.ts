// The one entry point to @peculiar/x509 (X.509 on WebCrypto, so the same code runs in Node and
// workerd). The polyfill import must stay first: see ./reflect-metadata.ts.
import './reflect-metadata.ts';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(crypto);

export { x509 };
