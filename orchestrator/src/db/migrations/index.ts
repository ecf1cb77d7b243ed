import type { Knex } from 'knex';
import * as m0001 from './0001_core.js';
import * as m0003 from './0003_calls.js';
import * as m0004 from './0004_recording.js';
import * as m0002 from './0002_routing.js';
import * as m0005 from './0005_supervision.js';
import * as m0006 from './0006_reports.js';
import * as m0007 from './0007_aftercall.js';
import * as m0008 from './0008_presence.js';
import * as m0009 from './0009_pause_reasons.js';
import * as m0010 from './0010_offline_since.js';
import * as m0011 from './0011_transcripts.js';
import * as m0012 from './0012_survey_wording.js';
import * as m0013 from './0013_outbound.js';
import * as m0014 from './0014_do_not_call.js';
import * as m0015 from './0015_campaigns.js';
import * as m0016 from './0016_call_campaign.js';
import * as m0017 from './0017_softphones.js';
import * as m0018 from './0018_campaign_script.js';
import * as m0019 from './0019_contact_hours.js';
import * as m0020 from './0020_machine_detection.js';
import * as m0021 from './0021_do_not_call_source.js';
import * as m0022 from './0022_agent_auto_answer.js';
import * as m0023 from './0023_two_factor.js';
import * as m0024 from './0024_quality_evaluations.js';
import * as m0025 from './0025_blocked_callers.js';
import * as m0026 from './0026_queue_alerts.js';
import * as m0027 from './0027_shifts.js';
import * as m0028 from './0028_time_off.js';
import * as m0029 from './0029_agent_weekly_hours.js';
import * as m0030 from './0030_shift_trades.js';
import * as m0031 from './0031_agent_availability.js';
import * as m0032 from './0032_blocked_rejections.js';
import * as m0033 from './0033_shift_publishing.js';
import * as m0034 from './0034_activity_pauses.js';
import * as m0035 from './0035_shift_preferences.js';
import * as m0036 from './0036_passkeys.js';
import * as m0037 from './0037_call_monitors.js';
import * as m0038 from './0038_transcript_segments.js';

/**
 * Migrations are listed here, not discovered on disk, so they run the same under tsx, a bundle or a test runner.
 * Append new ones at the end; never edit one that has shipped.
 */
const migrations: ReadonlyArray<readonly [string, Knex.Migration]> = [
  ['0001_core', m0001],
  ['0003_calls', m0003],
  ['0004_recording', m0004],
  ['0002_routing', m0002],
  ['0005_supervision', m0005],
  ['0006_reports', m0006],
  ['0007_aftercall', m0007],
  ['0008_presence', m0008],
  ['0009_pause_reasons', m0009],
  ['0010_offline_since', m0010],
  ['0011_transcripts', m0011],
  ['0012_survey_wording', m0012],
  ['0013_outbound', m0013],
  ['0014_do_not_call', m0014],
  ['0015_campaigns', m0015],
  ['0016_call_campaign', m0016],
  ['0017_softphones', m0017],
  ['0018_campaign_script', m0018],
  ['0019_contact_hours', m0019],
  ['0020_machine_detection', m0020],
  ['0021_do_not_call_source', m0021],
  ['0022_agent_auto_answer', m0022],
  ['0023_two_factor', m0023],
  ['0024_quality_evaluations', m0024],
  ['0025_blocked_callers', m0025],
  ['0026_queue_alerts', m0026],
  ['0027_shifts', m0027],
  ['0028_time_off', m0028],
  ['0029_agent_weekly_hours', m0029],
  ['0030_shift_trades', m0030],
  ['0031_agent_availability', m0031],
  ['0032_blocked_rejections', m0032],
  ['0033_shift_publishing', m0033],
  ['0034_activity_pauses', m0034],
  ['0035_shift_preferences', m0035],
  ['0036_passkeys', m0036],
  ['0037_call_monitors', m0037],
  ['0038_transcript_segments', m0038],
];

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  },
};
