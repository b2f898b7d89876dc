// One execution: header (status, times, input, output, error, cause, Stop), the graph coloured by
// what happened to each state, the selected state's details, and the event history. While the
// execution runs, the page polls the API every second and updates itself.
import { api, seg } from '../api.js'
import { h, link, mount } from '../dom.js'
import { between, formatDate, formatDuration, prettyJson, statusLabel } from '../format.js'
import { renderGraph, type Definition, type GraphView, type StateMark } from '../graph.js'
import { errorBox, navigate, type Dispose } from '../main.js'
import type {
  EventsPage,
  Execution,
  ExecutionStates,
  HistoryEvent,
  Iterations,
  StateDetail,
} from '../types.js'
import { jsonBlock, pager, row, statusPill, table, textBlock, TokenPages } from '../widgets.js'

const POLL_MS = 1000
const HISTORY_PAGE = 100
const ITERATION_PAGE = 50

export async function executionPage(
  main: HTMLElement,
  machine: string,
  name: string,
  params: URLSearchParams,
): Promise<Dispose> {
  const base = `/state-machines/${seg(machine)}/executions/${seg(name)}`
  const [execution0, forExecution, states0] = await Promise.all([
    api<Execution>(base),
    api<{ definition: Definition; revisionId: string }>(`${base}/definition`),
    api<ExecutionStates>(`${base}/states`),
  ])
  let execution = execution0
  let states = states0
  let selected: string | undefined = params.get('state') ?? undefined
  let stopped = false

  const header = h('section', { class: 'exec-header', 'aria-label': 'Execution' })
  const panel = h('section', {
    class: 'state-panel',
    'aria-label': 'Selected state',
    'aria-live': 'polite',
  })
  const history = new HistoryTable(base, execution.startDate)
  const graphBox = h('div', { class: 'graph-box' })

  const marks = (): Map<string, StateMark> =>
    new Map(
      states.states.map((st) => [
        st.name,
        {
          status: st.status,
          retries: st.retries,
          ...(st.entered > 1 ? { note: `${st.entered} visits` } : {}),
        },
      ]),
    )

  const select = (state: string) => {
    selected = state
    graph.select(state)
    const url = new URL(location.href)
    url.searchParams.set('state', state)
    navigate(url.pathname + url.search, { replace: true, render: false })
    void showState(true)
  }
  const graph: GraphView = await renderGraph(forExecution.definition, select)
  graph.mark(marks())
  graph.select(selected)
  mount(graphBox, graph.element)

  const iterationPages = new TokenPages()
  let iterationStatus = ''
  const showState = async (fresh: boolean) => {
    if (!selected) {
      mount(
        panel,
        h('h2', {}, 'State'),
        h(
          'p',
          { class: 'muted' },
          'Select a state in the graph (click it, or focus the graph and use the arrow keys and Enter).',
        ),
      )
      return
    }
    if (fresh) {
      iterationPages.reset()
      iterationStatus = ''
    }
    const detail = await api<StateDetail>(`${base}/states/${seg(selected)}`)
    let iterations: Iterations | undefined
    if (detail.runs.length > 0) {
      const query = new URLSearchParams({ maxResults: String(ITERATION_PAGE) })
      if (iterationStatus) query.set('status', iterationStatus)
      if (iterationPages.token) query.set('nextToken', iterationPages.token)
      iterations = await api<Iterations>(
        `${base}/states/${seg(selected)}/iterations?${query.toString()}`,
      )
      iterationPages.nextToken = iterations.nextToken
    }
    if (detail.name !== selected) return
    mount(
      panel,
      stateDetail(
        detail,
        iterations,
        iterationPages,
        iterationStatus,
        (status) => {
          iterationStatus = status
          iterationPages.reset()
          void showState(false)
        },
        (d) => {
          iterationPages.move(d)
          void showState(false)
        },
      ),
    )
  }

  const stop = () => {
    if (!confirm(`Stop execution ${name}? It ends ABORTED.`)) return
    api(`${base}/stop`, {
      method: 'POST',
      body: { error: 'Console.Stopped', cause: 'Stopped from the web console' },
    })
      .then(() => refresh())
      .catch((err: unknown) => header.append(errorBox(err)))
  }

  const renderHeader = () => {
    const e = execution
    const end = e.stopDate ?? (e.status === 'RUNNING' ? new Date().toISOString() : undefined)
    mount(
      header,
      h(
        'p',
        { class: 'crumbs' },
        link('/console/', 'State machines'),
        ' / ',
        link(`/console/state-machines/${seg(machine)}`, machine),
        ' / ',
      ),
      h(
        'div',
        { class: 'title-row' },
        h('h1', {}, e.name),
        h('span', { id: 'execution-status', role: 'status' }, statusPill(e.status)),
        e.status === 'RUNNING'
          ? h(
              'button',
              { type: 'button', class: 'danger', id: 'stop-button', onclick: stop },
              'Stop',
            )
          : null,
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Started'),
        h('dd', {}, formatDate(e.startDate)),
        h('dt', {}, 'Stopped'),
        h('dd', {}, formatDate(e.stopDate)),
        h('dt', {}, e.stopDate ? 'Duration' : 'Running for'),
        h('dd', { id: 'execution-duration' }, formatDuration(between(e.startDate, end))),
        h('dt', {}, 'Revision'),
        h('dd', {}, forExecution.revisionId),
      ),
      h(
        'div',
        { class: 'io' },
        jsonBlock('Input', e.input),
        e.output !== undefined ? jsonBlock('Output', e.output) : null,
        e.error !== undefined ? textBlock('Error', e.error) : null,
        e.cause !== undefined ? textBlock('Cause', e.cause) : null,
      ),
    )
  }

  const refresh = async () => {
    const [e, st] = await Promise.all([
      api<Execution>(base),
      api<ExecutionStates>(`${base}/states`),
    ])
    const changed = st.lastEventId !== states.lastEventId || e.status !== execution.status
    execution = e
    states = st
    renderHeader()
    if (changed) {
      graph.mark(marks())
      await Promise.all([history.refresh(), selected ? showState(false) : Promise.resolve()])
    }
  }

  renderHeader()
  mount(
    main,
    header,
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'col-main', 'aria-labelledby': 'graph-title' },
        h('h2', { id: 'graph-title' }, 'Graph'),
        legend(),
        graphBox,
      ),
      h('div', { class: 'col-side' }, panel),
    ),
    history.element,
  )
  await Promise.all([history.refresh(), showState(true)])

  // Live updates: poll while it runs, then once more to show how it ended.
  let timer: ReturnType<typeof setTimeout> | undefined
  const tick = async () => {
    if (stopped) return
    try {
      await refresh()
    } catch {
      // a failed poll is tried again at the next tick
    }
    if (!stopped && execution.status === 'RUNNING') timer = setTimeout(() => void tick(), POLL_MS)
  }
  if (execution.status === 'RUNNING') timer = setTimeout(() => void tick(), POLL_MS)
  return () => {
    stopped = true
    if (timer) clearTimeout(timer)
  }
}

function legend(): HTMLElement {
  const items = ['NOT_REACHED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CAUGHT', 'CANCELLED']
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Colours' },
    items.map((s) =>
      h(
        'li',
        {},
        h('span', { class: `swatch status-${s.toLowerCase()}`, 'aria-hidden': 'true' }),
        statusLabel(s),
      ),
    ),
    h('li', {}, h('span', { class: 'badge-sample', 'aria-hidden': 'true' }, '↻ n'), 'retries'),
  )
}

function stateDetail(
  d: StateDetail,
  iterations: Iterations | undefined,
  pages: TokenPages,
  iterationStatus: string,
  onStatus: (status: string) => void,
  onPage: (direction: -1 | 1) => void,
): HTMLElement[] {
  const out: HTMLElement[] = [
    h('div', { class: 'title-row' }, h('h2', { id: 'state-title' }, d.name), statusPill(d.status)),
  ]
  if (d.status === 'NOT_REACHED') {
    out.push(h('p', { class: 'muted' }, 'This execution has not reached this state.'))
  }
  const sm = d.summary
  if (sm) {
    const parts = [
      `entered ${sm.entered}×`,
      sm.succeeded ? `${sm.succeeded} succeeded` : '',
      sm.caught ? `${sm.caught} caught` : '',
      sm.failed ? `${sm.failed} failed` : '',
      sm.cancelled ? `${sm.cancelled} cancelled` : '',
      sm.running ? `${sm.running} running` : '',
      sm.retries ? `${sm.retries} ${sm.retries === 1 ? 'retry' : 'retries'}` : '',
    ].filter(Boolean)
    out.push(h('p', { class: 'meta' }, parts.join(' · ')))
  }
  if (d.enteredDate) {
    out.push(
      h(
        'dl',
        { class: 'facts' },
        d.visit && d.visit > 1
          ? [h('dt', {}, 'Visit'), h('dd', {}, `the latest of ${d.visit}`)]
          : null,
        h('dt', {}, 'Entered'),
        h('dd', {}, formatDate(d.enteredDate)),
        h('dt', {}, 'Exited'),
        h('dd', {}, formatDate(d.exitedDate)),
        h('dt', {}, 'Duration'),
        h('dd', {}, formatDuration(between(d.enteredDate, d.exitedDate))),
      ),
    )
  }
  const io = h('div', { class: 'io' })
  if (d.input !== undefined) io.append(jsonBlock('Input', d.input, true))
  if (d.output !== undefined) io.append(jsonBlock('Output', d.output, true))
  const error = textBlock('Error', d.error)
  const cause = textBlock('Cause', d.cause)
  if (error) io.append(error)
  if (cause) io.append(cause)
  out.push(io)
  if (d.attempts.length > 0) {
    const resource = d.attempts[d.attempts.length - 1]?.resource
    out.push(
      h('h3', {}, 'Attempts'),
      resource ? h('p', { class: 'meta' }, 'Resource: ', h('code', {}, resource)) : h('span', {}),
      table(
        `Attempts of ${d.name}`,
        ['#', 'Status', 'Scheduled', 'Started', 'Ended', 'Waited', 'Ran', 'Worker', 'Error'],
        d.attempts.map((a) =>
          row(
            [
              String(a.attempt),
              statusPill(a.status),
              formatDate(a.scheduledDate),
              formatDate(a.startedDate),
              formatDate(a.endDate),
              formatDuration(a.waitedMs),
              formatDuration(a.ranMs),
              a.workerName ?? '—',
              a.error ? h('span', { title: a.cause ?? '' }, a.error) : '—',
            ],
            { class: 'attempt' },
          ),
        ),
      ),
    )
  }
  if (iterations) {
    const run = iterations.runs[iterations.run - 1]
    const kind = run?.type === 'Parallel' ? 'Branches' : 'Iterations'
    const filterId = 'iteration-status'
    out.push(
      h('h3', {}, kind),
      run
        ? h(
            'p',
            { class: 'meta' },
            `Run ${run.run} of ${iterations.runs.length}: ${run.total} in all, ${run.started} started, ` +
              `${run.succeeded} succeeded, ${run.failed} failed, ${run.running} running`,
          )
        : h('span', {}),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: filterId }, 'Status '),
        h(
          'select',
          { id: filterId, onchange: (e) => onStatus((e.target as HTMLSelectElement).value) },
          h('option', { value: '' }, 'All'),
          ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'].map((s) =>
            h('option', { value: s, selected: s === iterationStatus }, statusLabel(s)),
          ),
        ),
      ),
      table(
        `${kind} of ${d.name}`,
        ['Index', 'Status', 'Error'],
        iterations.iterations.map((it) =>
          row([
            String(it.index),
            statusPill(it.status),
            it.error ? h('span', { title: it.cause ?? '' }, it.error) : '—',
          ]),
        ),
      ),
      pager(`${kind} pages`, pages, onPage),
    )
  }
  return out
}

/** The event history: type, time, elapsed since the start, details that expand; by type, paged. */
class HistoryTable {
  readonly element: HTMLElement
  private readonly pages = new TokenPages()
  private type = ''
  private readonly expanded = new Set<number>()
  private readonly body = h('div', {})
  private readonly filter: HTMLSelectElement
  private lastKey = ''

  constructor(
    private readonly base: string,
    private readonly startDate: string,
  ) {
    this.filter = h('select', {
      id: 'history-type',
      onchange: () => {
        this.type = this.filter.value
        this.pages.reset()
        void this.refresh()
      },
    })
    this.element = h(
      'section',
      { class: 'history', 'aria-labelledby': 'history-title' },
      h('h2', { id: 'history-title' }, 'Event history'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'history-type' }, 'Event type '),
        this.filter,
      ),
      this.body,
    )
  }

  async refresh(): Promise<void> {
    const query = new URLSearchParams({ maxResults: String(HISTORY_PAGE) })
    if (this.type) query.set('type', this.type)
    if (this.pages.token) query.set('nextToken', this.pages.token)
    const page = await api<EventsPage>(`${this.base}/events?${query.toString()}`)
    this.pages.nextToken = page.nextToken
    const key = JSON.stringify([
      page.events.map((e) => e.id),
      page.typeCounts,
      this.pages.page,
      [...this.expanded],
    ])
    if (key === this.lastKey) return
    this.lastKey = key
    this.renderFilter(page.typeCounts)
    const rows: HTMLTableRowElement[] = []
    for (const event of page.events) {
      const open = this.expanded.has(event.id)
      const toggle = h(
        'button',
        {
          type: 'button',
          class: 'small',
          'aria-expanded': String(open),
          'aria-label': `${open ? 'Hide' : 'Show'} details of event ${event.id}`,
          onclick: () => {
            if (open) this.expanded.delete(event.id)
            else this.expanded.add(event.id)
            void this.refresh()
          },
        },
        open ? '▾' : '▸',
      )
      rows.push(
        row(
          [
            toggle,
            String(event.id),
            h('span', { class: `event-type ${eventTone(event.type)}` }, event.type),
            formatDate(event.timestamp),
            formatDuration(between(this.startDate, event.timestamp)),
            eventSummary(event),
          ],
          { class: 'event', 'data-event-id': String(event.id) },
        ),
      )
      if (open) {
        const details = Object.entries(event).filter(([k]) => k.endsWith('EventDetails'))
        const tr = h(
          'tr',
          { class: 'event-details', tabindex: -1 },
          h(
            'td',
            { colspan: 6 },
            details.length === 0
              ? h('span', { class: 'muted' }, 'No details.')
              : h('pre', {}, prettyJson(expandPayloads(details[0]?.[1]))),
          ),
        )
        rows.push(tr)
      }
    }
    mount(
      this.body,
      table('Events in order', ['', '#', 'Type', 'Time', 'Elapsed', 'Details'], rows),
      pager('History pages', this.pages, (d) => {
        this.pages.move(d)
        void this.refresh()
      }),
    )
  }

  private renderFilter(counts: Readonly<Record<string, number>>): void {
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    const options = [
      h('option', { value: '' }, `All types (${total})`),
      ...Object.keys(counts)
        .sort()
        .map((t) =>
          h('option', { value: t, selected: t === this.type }, `${t} (${counts[t] ?? 0})`),
        ),
    ]
    mount(this.filter, options)
    this.filter.value = this.type
  }
}

/** Payloads in history details are JSON text; show them as JSON. */
function expandPayloads(details: unknown): unknown {
  if (!details || typeof details !== 'object') return details
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(details)) {
    if ((k === 'input' || k === 'output' || k === 'parameters') && typeof v === 'string') {
      try {
        out[k] = JSON.parse(v) as unknown
        continue
      } catch {
        // not JSON: shown as it is
      }
    }
    out[k] = v
  }
  return out
}

function eventTone(type: string): string {
  if (/Failed|TimedOut|Aborted/.test(type)) return 'tone-bad'
  if (/Succeeded|Exited/.test(type)) return 'tone-good'
  return ''
}

function eventSummary(event: HistoryEvent): string {
  const details = Object.entries(event).find(([k]) => k.endsWith('EventDetails'))?.[1]
  if (!details || typeof details !== 'object') return ''
  const d = details as Record<string, unknown>
  const parts: string[] = []
  if (typeof d['name'] === 'string') parts.push(d['name'])
  if (typeof d['index'] === 'number') parts.push(`#${d['index']}`)
  if (typeof d['resource'] === 'string') parts.push(d['resource'])
  if (typeof d['workerName'] === 'string') parts.push(`worker ${d['workerName']}`)
  if (typeof d['error'] === 'string') parts.push(d['error'])
  return parts.join(' · ')
}
