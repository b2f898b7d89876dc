// One state machine: its graph, revisions, executions (by status, paged) and a start form.
import { api, ApiError, seg } from '../api.js'
import { h, link, mount } from '../dom.js'
import { between, formatDate, formatDuration, statusLabel } from '../format.js'
import { renderGraph, type Definition } from '../graph.js'
import { errorBox, navigate, type Dispose } from '../main.js'
import {
  EXECUTION_STATUSES,
  type ExecutionItem,
  type MachineSummary,
  type StateMachine,
} from '../types.js'
import { pager, row, statusPill, table, TokenPages } from '../widgets.js'

const PAGE = 25

export async function machinePage(
  main: HTMLElement,
  name: string,
  params: URLSearchParams,
): Promise<Dispose> {
  const base = `/state-machines/${seg(name)}`
  const [machine, summary] = await Promise.all([
    api<StateMachine>(base),
    api<MachineSummary>(`${base}/summary`),
  ])
  let status = params.get('status') ?? ''
  const pages = new TokenPages()
  const graphBox = h('div', { class: 'graph-box', 'aria-label': 'Definition graph' })
  const graphTitle = h('h2', {}, `Graph (revision ${summary.revision})`)
  const executionsBox = h('div', {})

  const showGraph = async (definition: Definition, revision: number) => {
    graphTitle.textContent = `Graph (revision ${revision})`
    const graph = await renderGraph(definition, () => undefined)
    graph.mark(undefined)
    mount(graphBox, graph.element)
  }

  const loadExecutions = async () => {
    const query = new URLSearchParams({ maxResults: String(PAGE) })
    if (status) query.set('status', status)
    if (pages.token) query.set('nextToken', pages.token)
    const list = await api<{ executions: ExecutionItem[]; nextToken?: string }>(
      `${base}/executions?${query.toString()}`,
    )
    pages.nextToken = list.nextToken
    const rows = list.executions.map((e) =>
      row([
        link(`/console/state-machines/${seg(name)}/executions/${seg(e.name)}`, e.name),
        statusPill(e.status),
        formatDate(e.startDate),
        formatDate(e.stopDate),
        formatDuration(between(e.startDate, e.stopDate)),
      ]),
    )
    mount(
      executionsBox,
      list.executions.length === 0
        ? h(
            'p',
            { class: 'muted' },
            status ? `No ${statusLabel(status)} executions.` : 'No executions yet.',
          )
        : table(
            'Executions, newest first',
            ['Name', 'Status', 'Started', 'Stopped', 'Duration'],
            rows,
          ),
      pager('Execution pages', pages, (d) => {
        pages.move(d)
        void loadExecutions()
      }),
    )
  }

  const filter = h(
    'select',
    {
      id: 'status-filter',
      onchange: (event) => {
        status = (event.target as HTMLSelectElement).value
        pages.reset()
        const url = new URL(location.href)
        if (status) url.searchParams.set('status', status)
        else url.searchParams.delete('status')
        navigate(url.pathname + url.search, { replace: true, render: false })
        void loadExecutions()
      },
    },
    h('option', { value: '' }, 'All statuses'),
    EXECUTION_STATUSES.map((s) =>
      h(
        'option',
        { value: s, selected: s === status },
        `${statusLabel(s)} (${summary.executionCounts[s]})`,
      ),
    ),
  )

  const revisions = table(
    'Revisions, newest first',
    ['Revision', 'Published', 'Executions', ''],
    summary.revisions.map((r) =>
      row([
        String(r.revision),
        formatDate(r.creationDate),
        String(r.executions),
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            onclick: () => {
              void api<{ definition: Definition }>(`${base}/revisions/${r.revision}`).then((rev) =>
                showGraph(rev.definition, r.revision),
              )
            },
          },
          'Show graph',
        ),
      ]),
    ),
  )

  mount(
    main,
    h('p', { class: 'crumbs' }, link('/console/', 'State machines'), ' / '),
    h('h1', {}, name),
    h(
      'p',
      { class: 'meta' },
      `${machine.type} · revision ${summary.revision} · created ${formatDate(machine.creationDate)} · `,
      EXECUTION_STATUSES.map((s) => [statusPill(s), ` ${summary.executionCounts[s]}  `]),
    ),
    h(
      'div',
      { class: 'columns' },
      h('section', { class: 'col-main', 'aria-labelledby': 'graph-title' }, graphTitle, graphBox),
      h(
        'section',
        { class: 'col-side' },
        h('h2', {}, 'Start an execution'),
        startForm(name),
        h('h2', {}, 'Revisions'),
        revisions,
      ),
    ),
    h(
      'section',
      {},
      h('h2', {}, 'Executions'),
      h('div', { class: 'toolbar' }, h('label', { for: 'status-filter' }, 'Status '), filter),
      executionsBox,
    ),
  )
  graphTitle.id = 'graph-title'
  await Promise.all([showGraph(machine.definition, summary.revision), loadExecutions()])
  return () => undefined
}

/** The start form: an optional name and a JSON input, checked before it is sent. */
function startForm(machine: string): HTMLElement {
  const nameInput = h('input', {
    id: 'start-name',
    name: 'name',
    autocomplete: 'off',
    maxlength: 80,
    placeholder: 'a random UUID',
  })
  const input = h('textarea', {
    id: 'start-input',
    name: 'input',
    rows: 6,
    spellcheck: false,
    'aria-describedby': 'start-input-status',
  })
  input.value = '{}'
  const status = h(
    'p',
    { id: 'start-input-status', class: 'hint', 'aria-live': 'polite' },
    'Valid JSON.',
  )
  const submit = h('button', { type: 'submit' }, 'Start')
  const check = (): unknown => {
    try {
      const value: unknown = JSON.parse(input.value)
      status.textContent = 'Valid JSON.'
      status.className = 'hint'
      input.removeAttribute('aria-invalid')
      submit.disabled = false
      return value
    } catch (err) {
      status.textContent = `Not valid JSON: ${(err as Error).message}`
      status.className = 'hint error'
      input.setAttribute('aria-invalid', 'true')
      submit.disabled = true
      return undefined
    }
  }
  input.addEventListener('input', () => void check())
  const result = h('div', { 'aria-live': 'polite' })
  const form = h(
    'form',
    {
      class: 'start-form',
      onsubmit: (event) => {
        event.preventDefault()
        const value = check()
        if (submit.disabled) return
        const body: Record<string, unknown> = { input: value }
        if (nameInput.value.trim()) body['name'] = nameInput.value.trim()
        submit.disabled = true
        api<{ name: string }>(`/state-machines/${seg(machine)}/executions`, {
          method: 'POST',
          body,
        })
          .then((started) =>
            navigate(`/console/state-machines/${seg(machine)}/executions/${seg(started.name)}`),
          )
          .catch((err: unknown) => {
            mount(result, errorBox(err instanceof ApiError ? err : new Error(String(err))))
            submit.disabled = false
          })
      },
    },
    h('label', { for: 'start-name' }, 'Name (optional)'),
    nameInput,
    h('label', { for: 'start-input' }, 'Input (JSON)'),
    input,
    status,
    submit,
    result,
  )
  return form
}
