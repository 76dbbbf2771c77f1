/**
 * A stand-in for the extension host in the worker kill test: opens a dream with checkpoints in the
 * folder given, and prints every run record the worker reports (what the host keeps in workspace
 * state) as a JSON line, until a fault point in the worker kills the whole process.
 * Usage: tsx worker-kill-child.ts <checkpointDir> <config JSON>
 */
import { DreamEngine } from '../../src/extension/engine-client';

const [checkpointDir, configJson] = process.argv.slice(2);
const engine = new DreamEngine(process.env);
engine.onEvent((e) => {
  if (e.kind === 'runs' && e.sessionId === 'killed') process.stdout.write(`${JSON.stringify(e.runs)}\n`);
  if (e.kind === 'panel' && e.sessionId === 'killed' && e.message.type === 'runState' && e.message.state === 'done') {
    process.stdout.write('done\n');
    void engine.dispose().then(() => process.exit(0));
  }
});
void engine.call('openSession', {
  sessionId: 'killed', feature: { kind: 'neuron', spec: '2.17' }, model: { allowDownload: false },
  engine: { provider: 'cpu', threads: 1 }, config: JSON.parse(configJson), checkpointDir, start: true,
});
