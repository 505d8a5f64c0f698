// meshgate's identities (DESIGN.md: src/mtls imports nothing of ours). See docs/identity.md.
export * from './spiffe.ts';
export * from './ca.ts';
export * from './jwt-svid.ts';
export * from './bundle.ts';
export * from './verify.ts';
export * from './peer-certificate.ts';
export * from './peer-verifier.ts';
export { toPem, pemBlocks, toBase64, fromBase64 } from './encoding.ts';
export * from './workload-identity.ts';
