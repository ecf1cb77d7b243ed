import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FeatureCodes } from './agents/feature-codes.js';
import { AgentService } from './agents/service.js';
import { ensureBootstrapAdmin } from './auth/bootstrap.js';
import { callControlsFrom } from './api/adapters.js';
import { createCallCenter, type CallCenter } from './calls/index.js';
import { closeCallWriter } from './calls/writer.js';
import { closeStatementBatcher } from './db/statement-batch.js';
import { ActivityPauses } from './shifts/activity-pauses.js';
import { contactCenterTimeZone, type Config } from './config/schema.js';
import { buildDailyReport, createReportSchedule, daysBefore } from './reports/index.js';
import { addDays, dayOf } from './reports/day.js';
import { connectDb } from './db/connect.js';
import { migrateLatest, type Db } from './db/knex.js';
import { seedDemo } from './db/seed/index.js';
import { DEMO_TRUNK, DemoTraffic } from './demo/traffic.js';
import { EventBus } from './events/bus.js';
import { createHttpApp, type HttpApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import { logger as rootLogger, type Logger } from './logger.js';
import { createRecordingPipeline, type RecordingPipeline } from './recording/index.js';
import { readTranscripts } from './recording/transcripts.js';
import { transcriberFrom } from './transcription/engines.js';
import { createAfterCall } from './aftercall/index.js';
import { AcdEngine } from './routing/acd.js';
import { CampaignDialler } from './campaigns/dialler.js';
import { BusinessHoursStore } from './ivr/hours.js';
import { RuleRouter } from './routing/router.js';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.js';
import { createSwitch } from './telephony/index.js';
import type { SwitchPort } from './telephony/port.js';

/**
 * Wiring only: builds every module from the configuration, starts them in dependency order, and stops them in
 * reverse. Nothing imports this file but main.ts, the browser tests and the benchmarks.
 */

export interface StartOptions {
  readonly log?: Logger;
  /** Demo mode (no ARIADNE_ARI_URL): options for the in-process simulator. */
  readonly simulator?: SimulatorOptions;
  /** Override config.demo.callsPerMinute (tests switch demo traffic off). */
  readonly demoCallsPerMinute?: number;
  /** Demo agents logged in and available at start (demo mode only). */
  readonly demoAgentsAvailable?: number;
  /** Where the demo recording key is kept when no master key is configured (default ./data/recording-master.key). */
  readonly recordingKeyPath?: string;
}

export interface RunningAriadne {
  readonly url: string;
  readonly config: Config;
  readonly db: Db;
  readonly simulator: Simulator | null;
  readonly switchPort: SwitchPort;
  readonly agents: AgentService;
  readonly acd: AcdEngine;
  readonly router: RuleRouter;
  readonly callCenter: CallCenter;
  readonly recordings: RecordingPipeline;
  readonly bus: EventBus;
  readonly http: HttpApp;
  stop(): Promise<void>;
}

type Closer = () => Promise<void> | void;

async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

export async function startAriadne(config: Config, options: StartOptions = {}): Promise<RunningAriadne> {
  const log = options.log ?? rootLogger;
  const closers: Closer[] = [];
  const stopAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        log.warn({ err }, 'error while stopping');
      }
    }
    closers.length = 0;
  };

  try {
    const db = await connectDb(config.db.url);
    closers.push(() => db.destroy());
    closers.push(() => closeCallWriter(db));
    closers.push(() => closeStatementBatcher(db));
    await migrateLatest(db);

    let simulator: Simulator | null = null;
    let nodes = config.ari.urls.map((ariUrl, i) => ({
      name: config.ari.urls.length === 1 ? 'asterisk' : `asterisk${i + 1}`,
      ariUrl,
      user: config.ari.user,
      password: config.ari.password,
      app: config.ari.app,
      amiUrl: config.ami.urls[i],
    }));
    if (nodes.length === 0) {
      simulator = await startSimulator({
        user: config.ari.user,
        password: config.ari.password,
        app: config.ari.app,
        ...options.simulator,
      });
      const sim = simulator;
      closers.push(() => sim.stop());
      nodes = [
        {
          name: 'simulator',
          ariUrl: sim.url,
          user: config.ari.user,
          password: config.ari.password,
          app: config.ari.app,
          amiUrl: sim.amiPort ? `tcp://${config.ari.user}:${config.ari.password}@127.0.0.1:${sim.amiPort}` : undefined,
        },
      ];
      log.info({ ari: sim.url }, 'demo mode: no ARIADNE_ARI_URL, started the built-in Asterisk simulator');
    }
    const timeZone = contactCenterTimeZone(config);
    if (simulator && config.demo.seed) {
      // A past week of calls, with its reports built, so Reports and Calls show something from the first minute.
      const historyDays = daysBefore(new Date(), config.demo.historyDays, timeZone);
      const today = dayOf(new Date(), timeZone);
      // The rota planned as shifts for the past week and the week ahead, so Schedule shows adherence and a plan.
      const schedule = { timeZone, days: Array.from({ length: 7 }, (_, i) => addDays(today, i)) };
      const seeded = await seedDemo(db, { historyDays, schedule });
      if (!seeded.skipped) {
        for (const { day } of historyDays) await buildDailyReport(db, day, timeZone);
        log.info(
          { agents: seeded.agents, queues: seeded.queues, history: seeded.history, shifts: seeded.shifts },
          'seeded demo data',
        );
      }
    }
    await ensureBootstrapAdmin(db, config.adminPassword, log);

    const bus = new EventBus();
    const metrics = createMetrics();
    const switchPort = createSwitch({ nodes, restTransport: config.ari.restTransport, logger: log });
    closers.push(() => switchPort.stop());

    const agents = new AgentService({
      db,
      bus,
      logger: log.child({ module: 'agents' }),
      offlineLogoutMs: config.routing.agentOfflineLogoutS * 1000,
    });
    closers.push(() => agents.stop());
    switchPort.onEndpointState((e) => {
      void agents
        .setEndpointOnline(`${e.tech}/${e.resource}`, e.state !== 'offline')
        .catch((err: unknown) => log.warn({ err, endpoint: `${e.tech}/${e.resource}` }, 'endpoint state not recorded'));
    });
    const router = new RuleRouter({ db, bus, timeZone, logger: log.child({ module: 'routing' }) });
    closers.push(() => router.stop());
    const acd = new AcdEngine({
      db,
      agents,
      bus,
      logger: log.child({ module: 'acd' }),
      ringAllMax: config.routing.ringAllMax,
    });
    closers.push(() => acd.stop());

    const recordings = createRecordingPipeline({
      db,
      switchPort,
      config,
      logger: log,
      metrics: metrics.registry,
      localKeyPath: options.recordingKeyPath,
      transcriber: transcriberFrom(config.transcription),
    });
    closers.push(() => recordings.stop());
    // What follows each call: its jobs share the recording pipeline's runner (one outbox, one set of workers).
    const afterCall = createAfterCall({ db, config, transcripts: recordings.transcriptsOfCall });
    afterCall.registerOn(recordings.runner);

    if (!simulator && !config.telephony.outboundTrunk)
      log.warn(
        'ARIADNE_OUTBOUND_TRUNK is not set: numbers are dialled as PJSIP/<number>, which Asterisk refuses unless an endpoint has that name; set it to the trunk of OUTBOUND_TRUNK in extensions.conf',
      );
    const callCenter = createCallCenter({
      db,
      switchPort,
      router,
      acd,
      agents,
      bus,
      config: simulator
        ? { ...config, telephony: { ...config.telephony, outboundTrunk: config.telephony.outboundTrunk ?? DEMO_TRUNK } }
        : config,
      logger: log.child({ module: 'calls' }),
      recordingUploads: {
        queueWith: (recordingId, closed) => recordings.queueUploadWith(recordingId, closed),
        queue: (recordingId) => recordings.onRecordingStored(recordingId),
      },
      followUps: afterCall,
    });
    closers.push(() => callCenter.stop());
    new FeatureCodes({ db, switchPort, agents, logger: log.child({ module: 'feature-codes' }) }).attach();

    const http = createHttpApp({
      db,
      config,
      bus,
      switchPort,
      metrics,
      log,
      services: {
        agents,
        calls: callControlsFrom(callCenter.calls),
        liveCalls: callCenter.calls,
        routing: router,
        flows: callCenter.flows,
        blockedCallers: callCenter.blockedCallers,
        recordingsRouter: recordings.routes,
        transcripts: (ids) => readTranscripts(db, recordings.keyring, ids),
      },
    });
    const server = createServer(http.app);
    const address = await listen(server, config.http.port, config.http.host);
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    await http.attachWebSocket(server);
    closers.push(() => http.close());

    await switchPort.start();
    await router.start();
    agents.start();
    await acd.start();
    await callCenter.start();
    recordings.start();
    const dialler = new CampaignDialler({
      db,
      acd,
      calls: callCenter.calls,
      bus,
      hours: new BusinessHoursStore(db),
      logger: log.child({ module: 'dialler' }),
      intervalMs: config.routing.diallerIntervalMs,
    });
    dialler.start();
    closers.push(() => dialler.stop());
    const reports = createReportSchedule({
      db,
      timeZone,
      logger: log,
      cron: config.reports.cron === 'off' ? null : config.reports.cron,
    });
    closers.push(() => reports.stop());
    reports.start();
    if (config.scheduledActivities === 'pause') {
      const pauses = new ActivityPauses({ db, agents, bus, timeZone, logger: log.child({ module: 'shifts' }) });
      pauses.start();
      closers.push(() => pauses.stop());
    }

    if (simulator) {
      const traffic = new DemoTraffic({
        db,
        simulator,
        agents,
        logger: log.child({ module: 'demo' }),
        callsPerMinute: options.demoCallsPerMinute ?? config.demo.callsPerMinute,
        agentsAvailable: options.demoAgentsAvailable ?? 12,
      });
      await traffic.start();
      closers.push(() => traffic.stop());
    }

    const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
    const url = `http://${host}:${address.port}`;
    return {
      url,
      config,
      db,
      simulator,
      switchPort,
      agents,
      acd,
      router,
      callCenter,
      recordings,
      bus,
      http,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
