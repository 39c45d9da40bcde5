/**
 * The layers, and the rule that keeps them: each folder is one layer and imports only from
 * layers below it (a folder on the same rank is a peer and off limits too), and no module
 * takes part in an import cycle. Run by `npm run lint` (depcruise); tests are not layered.
 *
 * The ranks, lowest first. A path matches the first pattern that fits.
 */
const LAYERS = [
  // worker/src: the engine and the two processes. Everything else stands on it.
  ['worker-base', '^worker/src/base/'],
  ['worker-contract', '^worker/src/contract/'],
  ['worker-config', '^worker/src/config/'],
  ['worker-record', '^worker/src/record/'],
  // transcode/: the engine by stage, lowest first. The ffmpeg adapter and local files under
  // everything; how the picture is treated; what the source is; what the outputs are to be; how
  // a long source is split; each codec's encoder, then every ffmpeg command as data; what is
  // done with the written files; the finishing steps; what a run publishes while it goes on;
  // the operations and their facade.
  ['worker-transcode-ffmpeg', '^worker/src/transcode/(ffmpeg|files)/'],
  ['worker-transcode-picture', '^worker/src/transcode/picture/'],
  ['worker-transcode-source', '^worker/src/transcode/source/'],
  ['worker-transcode-ladder', '^worker/src/transcode/ladder/'],
  ['worker-transcode-split', '^worker/src/transcode/split/'],
  ['worker-transcode-encoders', '^worker/src/transcode/encode/video/'],
  ['worker-transcode-encode', '^worker/src/transcode/encode/[^/]+$'],
  ['worker-transcode-package', '^worker/src/transcode/package/'],
  ['worker-transcode-finish', '^worker/src/transcode/finish/'],
  ['worker-transcode-progressive', '^worker/src/transcode/progressive/'],
  ['worker-transcode', '^worker/src/transcode/[^/]+$'],
  ['worker-job-base', '^worker/src/job/base/'],
  ['worker-use-cases', '^worker/src/job/[^/]+$|^worker/src/control/'],
  ['worker-adapters', '^worker/src/(queue|storage|ledger|scheduler|events)/'],
  ['worker-wiring', '^worker/src/wiring/'],
  ['worker-entries', '^worker/src/(api|cli)/|^worker/src/[^/]+$'],
  // charts: reusable constructs, the deployment's config, what it implies, the charts, main.
  ['charts-constructs', '^charts/constructs/'],
  ['charts-config', '^charts/config/'],
  ['charts-plan', '^charts/plan/'],
  ['charts-app', '^charts/app/'],
  ['charts-entries', '^charts/[^/]+$'],
  ['charts-testing', '^charts/testing/'],
  // scripts: the local stand-ins, then the tools built on them, then the entry points.
  ['scripts-stack', '^scripts/(local-stack|build)/'],
  ['scripts-keda', '^scripts/local-keda/'],
  ['scripts-tools', '^scripts/(bench|corpus|load|image)/'],
  ['scripts-entries', '^scripts/[^/]+$'],
];

/** Folders of one rank that must not import each other. */
const PEERS = [
  ['^worker/src/job/', '^worker/src/control/'],
  ['^worker/src/control/', '^worker/src/job/'],
  ...pairs(['queue', 'storage', 'ledger', 'scheduler', 'events']).map(([a, b]) => [
    `^worker/src/${a}/`,
    `^worker/src/${b}/`,
  ]),
  ['^worker/src/transcode/ffmpeg/', '^worker/src/transcode/files/'],
  ['^worker/src/transcode/files/', '^worker/src/transcode/ffmpeg/'],
  ['^worker/src/api/', '^worker/src/cli/'],
  ['^worker/src/cli/', '^worker/src/api/'],
];

function pairs(names) {
  return names.flatMap((a) => names.filter((b) => b !== a).map((b) => [a, b]));
}

const upward = LAYERS.map(([name, from], rank) => ({
  name: `layer-${name}`,
  comment: `${name} may import only from the layers below it (see .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: from, pathNot: '\\.test\\.ts$' },
  to: {
    path: LAYERS.slice(rank + 1)
      .map(([, p]) => `(${p})`)
      .join('|'),
  },
})).filter((rule) => rule.to.path !== '');

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle: move the shared thing down a layer rather than the arrow',
      severity: 'error',
      from: { pathNot: '\\.test\\.ts$' },
      to: { circular: true },
    },
    ...upward,
    ...PEERS.map(([from, to]) => ({
      name: 'no-peer-import',
      comment: 'folders of one layer do not import each other',
      severity: 'error',
      from: { path: from, pathNot: '\\.test\\.ts$' },
      to: { path: to },
    })),
    {
      name: 'transcode-pure-planning',
      comment:
        'picture/, ladder/ and encode/ decide and build argv; they never touch files or processes (run them from a step or an operation)',
      severity: 'error',
      from: { path: '^worker/src/transcode/(picture|ladder|encode)/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^(node:)?(fs|fs/promises|child_process|readline|stream|stream/promises)$|fluent-ffmpeg|^worker/src/transcode/(files/|ffmpeg/(run|ffprobe|analysis)\\.ts$)',
      },
    },
    {
      name: 'worker-stands-alone',
      comment: 'the worker is built into the image alone: it never imports the charts or scripts',
      severity: 'error',
      from: { path: '^worker/' },
      to: { path: '^(charts|scripts|test)/' },
    },
    {
      name: 'charts-see-contract-and-config',
      comment: 'the charts take the contract, the config schema and the image from the worker',
      severity: 'error',
      from: { path: '^charts/' },
      to: { path: '^worker/', pathNot: '^worker/src/(contract|config)/' },
    },
    {
      name: 'charts-no-scripts',
      severity: 'error',
      from: { path: '^charts/' },
      to: { path: '^(scripts|test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(imports|node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
