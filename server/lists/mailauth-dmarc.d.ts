// mailauth's DMARC record reader (with its organizational-domain fallback); mailauth ships no types for it.
declare module 'mailauth/lib/dmarc/get-dmarc-record' {
  function getDmarcRecord(domain: string, resolver: (name: string, type: string) => Promise<string[][]>): Promise<false | { p?: string; sp?: string; isOrgRecord: boolean; rr: string }>;
  export = getDmarcRecord;
}
