import type { RunRecord } from '../state/state-store.js';
import type { JobStatus } from '../daemon/scheduler.js';
import type { PipelineView } from './pipeline-views.js';
import type { TableSummary } from './table-views.js';

/** What the status page shows: the same JSON the API serves. */
export interface StatusPageData {
  readonly generatedAt: string;
  readonly until: string | null;
  readonly tables: readonly (TableSummary & { readonly ready?: boolean })[];
  readonly pipelines: readonly PipelineView[];
  readonly runs: readonly RunRecord[];
  readonly jobs: readonly JobStatus[];
}

/**
 * Renders the page body. Self-contained on purpose (no imports, no outer variables): the
 * server renders the first view with it, and its source is shipped in the page's inline
 * script, which re-renders from the JSON API every few seconds — one renderer, two places.
 */
export function renderStatusSections(d: StatusPageData): string {
  const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
  const bytes = (n: number): string => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
  };
  const lag = (s: number | null): string => (s === null ? '-' : s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);
  const time = (t: string | null | undefined): string => (t ? esc(t.replace('T', ' ').replace(/\.\d+Z$/, 'Z')) : '-');
  const table = (title: string, id: string, head: string[], rows: string[], empty: string): string =>
    `<section id="${id}"><h2>${esc(title)}</h2>${rows.length === 0 ? `<p class="empty">${esc(empty)}</p>` : `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`}</section>`;

  const readiness = (t: StatusPageData['tables'][number]): string => {
    if (t.watermark === null) return '<td class="ready no-watermark">no watermark yet</td>';
    if (t.ready === undefined) return '<td class="ready has-watermark">watermark</td>';
    return t.ready ? '<td class="ready is-ready">ready</td>' : '<td class="ready not-ready">not ready</td>';
  };
  const tables = d.tables.map((t) => `<tr data-table="${esc(t.table)}"><td>${esc(t.table)}</td>${readiness(t)}<td class="watermark">${time(t.watermark)}</td><td class="lag">${lag(t.lagSeconds)}</td><td class="commit">${time(t.commitTime)}<br><small>${esc(t.snapshotId ?? '-')}</small></td><td>${t.dataFiles} / ${bytes(t.dataBytes)}</td><td>${t.deleteFiles} / ${bytes(t.deleteBytes)}</td><td>${t.snapshots}</td></tr>`);
  const jobs = d.jobs.map((j) => `<tr data-table="${esc(j.table)}" data-job="${esc(j.job ?? '')}"><td>${esc(j.table)}</td><td>${esc(j.job ?? '-')}</td><td class="state state-${esc(j.state)}">${esc(j.state)}</td><td class="reason">${esc(j.reason)}</td></tr>`);
  const runs = d.runs.map((r) => `<tr data-run="${r.id}"><td>#${r.id}</td><td>${esc(r.table)}</td><td>${esc(r.job)}</td><td class="result result-${esc(r.result)}">${esc(r.result)}</td><td>${time(new Date(r.startedAtMs).toISOString())}</td><td>${r.endedAtMs === undefined ? '-' : `${((r.endedAtMs - r.startedAtMs) / 1000).toFixed(1)} s`}</td><td>${r.filesIn} / ${bytes(r.bytesIn)}</td><td>${r.filesOut} / ${bytes(r.bytesOut)}</td><td>${esc(r.error ?? r.summary ?? '')}</td></tr>`);
  const pipelines = d.pipelines.map((p) => `<tr data-pipeline="${esc(p.pipelineId)}"><td>${esc(p.pipelineId)}</td><td class="state state-${esc(p.state)}">${esc(p.state)}</td><td>${lag(p.lagSeconds)}</td><td>${p.rowsPerSecond.toFixed(1)}</td><td>${time(p.lastCommitAt)}</td><td>${esc(p.tables.join(', '))}</td><td class="error">${esc(p.lastError ?? '')}</td></tr>`);
  return [
    table(d.until ? `Tables (ready for ${d.until})` : 'Tables', 'tables', ['table', 'readiness', 'watermark', 'lag', 'last commit', 'data files / bytes', 'delete files / bytes', 'snapshots'], tables, 'no tables in the warehouse'),
    table('Maintenance', 'maintenance', ['table', 'job', 'state', 'why'], jobs, 'no scheduler (API only) or no tables'),
    table('Recent maintenance runs', 'runs', ['run', 'table', 'job', 'result', 'started', 'took', 'in (files / bytes)', 'out (files / bytes)', 'summary / error'], runs, 'no runs recorded yet'),
    table('Pipelines', 'pipelines', ['pipeline', 'state', 'lag', 'rows/s', 'last commit', 'tables', 'last error'], pipelines, 'no pipeline status files'),
  ].join('\n');
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d232a}h1{font-size:1.3rem;margin:0}h2{font-size:1.05rem;margin:1.5rem 0 .4rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e3e6ea;vertical-align:top}th{background:#f5f7f9;font-weight:600}
small{color:#6a737d}.is-ready,.result-succeeded,.state-streaming,.state-running{color:#137333;font-weight:600}.not-ready,.no-watermark,.state-waiting,.state-below-thresholds{color:#b06000}
.result-failed,.state-failed,.state-stalled,.error,.state-error{color:#c5221f;font-weight:600}.empty{color:#6a737d}#status{color:#6a737d;margin:.3rem 0 0}#problem{color:#c5221f}`;

/** The whole page: the first view server-rendered, then refreshed from the JSON API. */
export function statusPageHtml(d: StatusPageData, refreshMs: number): string {
  const script = `
const render = ${renderStatusSections.toString()};
const params = new URLSearchParams(location.search);
const token = params.get('access_token');
const until = params.get('until');
const headers = token ? { Authorization: 'Bearer ' + token } : {};
const get = (p) => fetch(p, { headers }).then((r) => { if (!r.ok) throw new Error(p + ': HTTP ' + r.status); return r.json(); });
async function refresh() {
  try {
    const [t, p, r, s] = await Promise.all([get('v1/tables' + (until ? '?until=' + encodeURIComponent(until) : '')), get('v1/pipelines'), get('v1/runs?limit=20'), get('v1/status')]);
    const generatedAt = new Date().toISOString();
    document.getElementById('sections').innerHTML = render({ generatedAt, until, tables: t.tables, pipelines: p.pipelines, runs: r.runs, jobs: s.jobs });
    document.getElementById('updated').textContent = generatedAt;
    document.getElementById('problem').textContent = '';
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || '0') + 1);
  } catch (e) {
    document.getElementById('problem').textContent = 'refresh failed: ' + e.message;
  }
}
setInterval(refresh, ${Math.max(250, Math.floor(refreshMs))});`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>icetide manager</title><style>${STYLE}</style></head>
<body data-refreshes="0"><header><h1>icetide manager</h1><p id="status">updated <span id="updated">${d.generatedAt}</span>, refreshing every ${Math.round(refreshMs / 100) / 10} s <span id="problem"></span></p></header>
<main id="sections">
${renderStatusSections(d)}
</main>
<script>${script}</script>
</body></html>`;
}

/** Shown instead of the page when a token is required and none (or a wrong one) was given. */
export function tokenFormHtml(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>icetide manager: token required</title><style>${STYLE}</style></head>
<body><h1>icetide manager</h1><p>This manager requires a bearer token (auth.token / ICETIDE_MANAGER_TOKEN).</p>
<form method="get" action=""><label>Token <input type="password" name="access_token" autocomplete="off"></label> <button type="submit">Open</button></form></body></html>`;
}
