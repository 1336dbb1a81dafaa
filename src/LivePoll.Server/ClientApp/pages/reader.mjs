// The reader page's script as the build bundles it (copy-vendor.mjs): SignalR as the global the page uses, then the page.
import "./signalr-global.mjs";
import "../../wwwroot/js/reader.js";
