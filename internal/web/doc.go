// Package web serves Parley's HTML pages: the administration, the operator console and the
// customer widget. It has no build step: pages are html/template files and small vanilla
// ES modules, embedded in the binary.
//
// # Structure
//
// The server renders only the shell of a page: the layout (top bar, navigation, the user's
// name and presence switch), the page's heading and empty containers, and facts the shell
// needs (ids in data- attributes). The page's module under static/js/pages then fetches its
// data from the JSON API of API.md and draws it. Pages therefore exercise the same contract
// as every other client, and a page never holds data the API would refuse to give.
//
//	templates/layout.html     the base layout ("layout"), the admin sidebar, the bare layout
//	templates/<page>.html     one file per page, defining "title" and "content"
//	static/css/parley.css     the one stylesheet
//	static/js/api.js          fetch wrapper: JSON, the session cookie, APIError, field errors
//	static/js/dom.js          h() builds elements with text nodes, so chat text is never HTML
//	static/js/dialog.js       <dialog> helpers: forms in dialogs, confirmations, focus return
//	static/js/tabs.js         keyboard for tablists and menus (WAI-ARIA authoring practices)
//	static/js/ws.js           reconnecting WebSocket that resumes from the last cursor
//	static/js/diagram.js      BPMN diagrams as SVG, drawn in the browser from the file's DI
//	static/js/diagram-*.js    its event symbols and markers, and the way into collapsed sub-processes
//	static/js/app.js          what every page has: the presence buttons, the skip link
//	static/js/pages/<page>.js one module per page
//	static/js/widget-embed.js the customer widget's loader, served as /widget.js
//
// # Static files
//
// Pages link static files by their fingerprinted address (/static/js/dom.<hash>.js, from
// ui.static.url or {{asset "css/admin.css"}} in templates), served with a year-long immutable
// Cache-Control. Relative imports between modules are rewritten at start to those addresses,
// so modules keep importing './dom.js' in the source. Compress, around the whole handler,
// gzips text answers and marks everything not fingerprinted no-store.
//
// # Customers
//
// Customer pages need no login. /widget.js, put on any website with data-livechat="<id>",
// draws a chat button that opens /widget/{livechatId} in an iframe: the chat runs on Parley's
// own origin, so it calls the widget API without crossing origins, with the visitor token
// (kept in localStorage) as its only credential. That page alone may be framed by other sites.
// /demo/site is a made-up company page embedding the widget of the demo live chat.
//
// # Authentication
//
// The API middleware turns the parley_session cookie (set by POST /api/v1/auth/login) into
// the request's principal before pages run, and applies cross-origin protection to every
// unsafe method, so pages only check who is asking: no user sends the browser to /login, a
// user who is not an administrator gets a 403 page under /admin. UI.Wrap drops a stale
// cookie on page requests, which the API would otherwise answer with a JSON 401.
//
// # Adding a page
//
// Write templates/<name>.html defining "title" and "content", and static/js/pages/<name>.js
// if it needs data; register the route in a routes file with ui.page(pattern, role, handler)
// and, for a new section, add it to the navigation with ui.addNav. A page whose styles only it
// needs defines "styles" with a <link> to its own stylesheet (as the admin pages link
// static/css/admin.css), so parley.css stays what every page needs. The handler calls
// ui.render with a view naming the template and the script. Data the page module draws must
// go through h() from dom.js (never innerHTML), and forms report errors with showErrors.
//
// # Tests
//
// browser_test.go and tab_test.go hold the harness: startBrowser(t, env.URL) runs a headless
// chromium for the test, Browser.Tab(name) opens a tab with its own cookies, and the Tab's
// steps (Login, Open, Click, Fill, Choose, WaitText, Shot…) fail the test with a screenshot.
// Page errors (exceptions, console errors, alert dialogs) fail the test as well. Screenshots
// go to artifacts/screenshots at the repository root. Tab.Audit runs axe-core and the 320 px
// reflow check on the page as it is (a11y_test.go), and keyboard_test.go drives pages with
// keys alone; docs/accessibility.md says how to install axe-core for them.
package web
