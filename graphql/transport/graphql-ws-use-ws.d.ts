// The "node" module resolution of tsconfig does not read package.json "exports", so the
// typings of graphql-ws's ws adapter are named here by their file; at run time Node
// resolves 'graphql-ws/use/ws' through "exports" as usual.
declare module 'graphql-ws/use/ws' {
  export { useServer } from 'graphql-ws/dist/use/ws';
}
