/**
 * @distlab/live-view: the running lab in the browser. `startLiveView` serves a page on a loopback port and bridges it
 * to the system over the existing typed gRPC clients: the peers' WatchEvents, health Watch, the balancer's GetStats,
 * and the controls (lock, elections, faults, factorial, inventory, demos, kill and restart).
 */
export { startLiveView, type LiveView, type LiveViewOptions } from './bridge-server';
export { LiveSystem, type LiveSystemOptions } from './live-system';
export { Controls, type ControlOptions, type DemoVerdict, type ProcessControl } from './controls';
export { bundlePage, pageHtml } from './page-assets';
export type { WireEvent, SystemView, PeerView, ControlResult } from './wire';
