export { checkRange, MAX_REPORT_DAYS, toCsv } from './api.js';
export { buildDailyReport, type BuildResult } from './build.js';
export { dayOf, daysBefore, daysBetween, parseDay, reportDay } from './day.js';
export { agentReport, queueReport, type AgentReportRow, type QueueGrouping, type QueueReportRow } from './queries.js';
export { pauseReport, presenceTimeline, type AgentTimeline, type PauseReportRow } from './presence.js';
export { todayPerQueue } from './repository.js';
export { createReportSchedule, type ReportSchedule } from './schedule.js';
export { agentToday, type AgentToday } from './agent-today.js';
export { staffingReport, type StaffingInterval, type StaffingReport } from './staffing.js';
