// TODO(security helper): register this filter's compiler with registerHttpFilter (./chain.ts).
export {};
