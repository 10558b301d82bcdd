export { Receiver, outletSettings, type ReceiverOptions, type RefusalProblem } from './receiver';
export type { InboundMessage, LocalSink } from './sink';
export { InboundRouter, STAGE_ORDER, type StageName, type ClaimStage, type ForwardStage, type StageHandler, type InboundRouterOptions } from './router';
export { StartupError, PortInUseError, BindFailedError, IpcDirUnwritableError, StageTakenError } from './errors';
export { prepareIpcDir, DEFAULT_IPC_DIR_MODE, IPC_DIR_ROLE, type IpcDirOwnership } from './ipc-dir';
