// Host name rules live with the config model (analysis uses them too); re-exported for the translator.
export * from '../config/hosts.ts';
