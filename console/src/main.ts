// The web console: a router over /console/… paths (so every page is a URL that can be shared),
// the API key dialog, and the pages.
import { ApiError, onKeyNeeded, setKey, storedKey } from './api.js'
import { h, mount } from './dom.js'
import { executionPage } from './pages/execution.js'
import { machinePage } from './pages/machine.js'
import { machinesPage } from './pages/machines.js'

const BASE = '/console'

/** What a page gives back: a function that stops its timers when another page is shown. */
export type Dispose = () => void

const main = document.getElementById('main') as HTMLElement
let dispose: Dispose | undefined

async function route(): Promise<void> {
  dispose?.()
  dispose = undefined
  const path = location.pathname.replace(/\/+$/, '')
  const parts = path.slice(BASE.length).split('/').filter(Boolean).map(decodeURIComponent)
  const params = new URLSearchParams(location.search)
  try {
    if (parts.length === 0) {
      document.title = 'State machines · millrace'
      dispose = await machinesPage(main)
    } else if (parts[0] === 'state-machines' && parts.length === 2 && parts[1]) {
      document.title = `${parts[1]} · millrace`
      dispose = await machinePage(main, parts[1], params)
    } else if (
      parts[0] === 'state-machines' &&
      parts[2] === 'executions' &&
      parts.length === 4 &&
      parts[1] &&
      parts[3]
    ) {
      document.title = `${parts[3]} · ${parts[1]} · millrace`
      dispose = await executionPage(main, parts[1], parts[3], params)
    } else {
      mount(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no console page at this address.'))
    }
  } catch (err) {
    mount(main, h('h1', {}, 'Something went wrong'), errorBox(err))
  }
}

/** A visible error message (role=alert, so screen readers announce it). */
export function errorBox(err: unknown): HTMLElement {
  const message =
    err instanceof ApiError
      ? `${err.code}: ${err.message}`
      : err instanceof Error
        ? err.message
        : String(err)
  return h('p', { class: 'error', role: 'alert' }, message)
}

/** Shows another console page. `replace` keeps the history entry (filters, selections). */
export function navigate(
  href: string,
  options: { replace?: boolean; render?: boolean } = {},
): void {
  if (options.replace) history.replaceState(null, '', href)
  else history.pushState(null, '', href)
  if (options.render !== false) void route()
}

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('a[data-link]') : null
  if (!(target instanceof HTMLAnchorElement)) return
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
  event.preventDefault()
  navigate(target.pathname + target.search)
})
window.addEventListener('popstate', () => void route())

// The API key: asked for when the server answers 401, kept for the browser session.
const keyButton = document.getElementById('key-button') as HTMLButtonElement
function askForKey(reason: string): Promise<string> {
  return new Promise((resolve) => {
    const input = h('input', {
      id: 'api-key',
      type: 'password',
      autocomplete: 'off',
      required: true,
      minlength: 16,
      'aria-describedby': 'api-key-help',
    })
    const dialog = h(
      'dialog',
      { class: 'key-dialog', 'aria-labelledby': 'api-key-title' },
      h(
        'form',
        {
          method: 'dialog',
          onsubmit: () => {
            keyButton.hidden = false
            resolve(input.value.trim())
            setTimeout(() => dialog.remove(), 0)
          },
        },
        h('h2', { id: 'api-key-title' }, 'API key'),
        h(
          'p',
          { id: 'api-key-help' },
          reason,
          ' Enter an API key (read scope or more). It is kept in this browser tab’s session only.',
        ),
        h('label', { for: 'api-key' }, 'Key'),
        input,
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Use this key')),
      ),
    )
    dialog.addEventListener('cancel', (e) => e.preventDefault())
    document.body.append(dialog)
    dialog.showModal()
    input.focus()
  })
}
onKeyNeeded(askForKey)
if (storedKey()) keyButton.hidden = false
keyButton.addEventListener('click', () => {
  setKey(null)
  void askForKey('Replace the API key of this session.').then((key) => {
    setKey(key)
    void route()
  })
})

void route()
