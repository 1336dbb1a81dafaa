// SignalR's client and its MessagePack protocol from npm, as the global `signalR` the pages' scripts use (what the
// browser builds of both packages define), bundled into each page's script: only what the pages use is shipped.
performance.mark("livepoll:script-start");
import { HttpTransportType, HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";

globalThis.signalR = { HttpTransportType, HubConnectionBuilder, HubConnectionState, LogLevel, protocols: { msgpack: { MessagePackHubProtocol } } };
