// Error classes of the link: board-reported errors, resets, timeouts, closed links, bad replies.

import { ErrorCode, MsgType, errorCodeName, msgTypeName } from './constants';

/** The board answered with an ERROR frame. */
export class BoardError extends Error {
  readonly codeName: string;
  readonly requestName: string;
  /** BAD_GRAPH about a node: that node's index (= detail); undefined for the GRAPH header or other codes. */
  readonly node?: number;
  /** BAD_GRAPH about a node: the code a RUN of that node would have got (e.g. OUT_OF_ARENA). */
  readonly nodeCodeName?: string;
  constructor(
    readonly code: number,
    readonly requestType: number,
    readonly detail: number,
    readonly text: string,
    /** ERROR byte 2: the node's own code for BAD_GRAPH, else 0. */
    readonly sub = 0,
  ) {
    const codeName = errorCodeName(code);
    const requestName = msgTypeName(requestType);
    const nodeCodeName = code === ErrorCode.BAD_GRAPH && sub !== 0 ? errorCodeName(sub) : undefined;
    const what = nodeCodeName ? `${codeName}/${nodeCodeName} (node ${detail})` : `${codeName} (detail ${detail})`;
    super(`board refused ${requestName}: ${what}${text ? `: ${text}` : ''}`);
    this.name = 'BoardError';
    this.codeName = codeName;
    this.requestName = requestName;
    if (nodeCodeName) {
      this.node = detail;
      this.nodeCodeName = nodeCodeName;
    }
  }
}

/**
 * A RUN stopped by ABORT (board.abort(), board.close(), Ctrl-C): `completed` repeats ran (0 when
 * the board was not running it, or the RUN was never sent). code ABORTED, detail = completed.
 */
export class RunAbortedError extends BoardError {
  constructor(
    readonly completed: number,
    text: string,
    requestType: number = MsgType.RUN,
  ) {
    super(ErrorCode.ABORTED, requestType, completed, text);
    this.name = 'RunAbortedError';
  }
}

/** The board sent a FAULT frame (it faulted, and resets): never retried, the same run would fault again. */
export class BoardFaultError extends Error {
  constructor(
    readonly fault: import('./frame').FaultInfo,
    message: string,
  ) {
    super(message);
    this.name = 'BoardFaultError';
  }
}

/** The board sent BOOT while a request was outstanding: its arena and state are gone. */
export class BoardResetError extends Error {
  constructor(readonly requestName: string) {
    super(`board reset (BOOT received) during ${requestName}; arena contents lost`);
    this.name = 'BoardResetError';
  }
}

/** No valid reply after every retry (the retry budget, in time or tries, is spent). */
export class LinkTimeoutError extends Error {
  constructor(
    readonly requestName: string,
    readonly tries: number,
    readonly where: string,
    readonly ms?: number,
  ) {
    super(`no valid reply to ${requestName} from ${where} after ${tries} tries${ms !== undefined ? ` in ${(ms / 1000).toFixed(1)} s` : ''}`);
    this.name = 'LinkTimeoutError';
  }
}

/** The link closed and was opened again while a request was outstanding: the far end may be a new board. */
export class LinkReopenedError extends Error {
  constructor(
    readonly requestName: string,
    readonly where: string,
  ) {
    super(`link to ${where} was reopened during ${requestName}; the board may have restarted`);
    this.name = 'LinkReopenedError';
  }
}

/** The transport closed (or was closed) with requests pending. */
export class LinkClosedError extends Error {
  constructor(where: string, cause?: Error) {
    super(`link to ${where} closed${cause ? `: ${cause.message}` : ''}`);
    this.name = 'LinkClosedError';
  }
}

/** A reply that passed its CRC but does not make sense (wrong length, wrong echo). */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Data did not verify (CRC of a written or read region mismatched). */
export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyError';
  }
}
