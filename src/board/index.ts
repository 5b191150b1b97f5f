// Board API entry points: open a board by name or port, talk to it, list ports, run host-sim.

export type { Board, BoardInfo, CounterKind, RunRequest, RunResult, Shape } from './types';
export { openBoard } from './open';
export type { OpenBoardOptions, OpenedBoard } from './open';
export { LinkBoard, boardInfoFromHello } from './link';
export type { LinkBoardOptions } from './link';
export { HostBoard } from './host';
/** @deprecated the old name of LinkBoard (a board behind a link). */
export { LinkBoard as RemoteBoard } from './link';
/** @deprecated the old name of LinkBoardOptions. */
export type { LinkBoardOptions as RemoteBoardOptions } from './link';
export { startHostSim, findHostSim, hostSimUnavailable } from './hostsim';
export type { HostSimOptions, HostSimHandle } from './hostsim';
export { listPorts, scanPorts, listPortsSysfs, guessBoard } from './ports';
export type { PortInfo, PortScan } from './ports';
export { layoutArena } from './layout';
export { chunkNodes, nodeParams } from './graph';
export type { GraphNode, GraphNodeResult, GraphResult } from './graph';
export type { ArenaLayout, KernelCatalog } from './layout';
