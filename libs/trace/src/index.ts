/**
 * @distlab/trace: a run's event logs, as the peers write them, and the invariant checkers applied to them. The checkers
 * read only the logs: what they pass is what really happened between real processes, not what a simulation assumed.
 */
export { parseEventLine, readEventLogs, byLife, lifeOf, BadEventLineError, type TraceEvent } from './event-record';
export { formatCheck, type CheckResult } from './check-result';
export { checkLogicalClocks, happenedBefore } from './causality';
export { checkMutualExclusion, checkMessagesPerEntry, criticalSections, type CriticalSection } from './mutex-checks';
export { buildDiagram, messageCounts, type DiagramModel, type DiagramEvent, type DiagramMessage } from './trace-model';
export { renderTraceHtml, renderShiviz, DIAGRAM_LEGEND } from './trace-html';
export { checkLeaderAgreement, leaderOf } from './election-checks';
export { processStatesAt, type ProcessMoment } from './state-at';
export { drawDiagram, type DiagramHandle, type DiagramOptions } from './diagram-page';
