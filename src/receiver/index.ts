export { Receiver, outletSettings, type ReceiverOptions, type RefusalProblem } from './receiver';
export type { InboundMessage, LocalSink } from './sink';
export { StartupError, PortInUseError, BindFailedError, IpcDirUnwritableError } from './errors';
export { prepareIpcDir, DEFAULT_IPC_DIR_MODE } from './ipc-dir';
