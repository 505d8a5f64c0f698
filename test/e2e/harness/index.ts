// End-to-end test helpers: the real local mesh, real upstreams, HTTP with a chosen Host.
export { echoServer, type EchoRequest, type EchoServer } from './echo.ts';
export { send, type SendOptions, type SendResult } from './http.ts';
export { applyAndSync, startTestMesh, syncz, waitSynced, type SyncOptions, type SyncRow, type TestMesh } from './mesh.ts';
