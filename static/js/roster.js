// Roster's own behaviour on top of htmx. No inline scripts: the site runs under a strict CSP.
(() => {
    "use strict";

    const csrfMeta = () => document.querySelector('meta[name="csrf-token"]');

    // Every htmx request carries the CSRF token in the header Flask-WTF reads.
    document.addEventListener("htmx:config:request", (event) => {
        const meta = csrfMeta();
        if (meta) event.detail.ctx.request.headers["X-CSRFToken"] = meta.content;
    });

    // Boosted navigation swaps <body> only, so after sign-in or sign-out (a new session and
    // a new token) the token in <head> would be stale: take it from the full page that arrived.
    const TOKEN_IN_PAGE = /<meta name="csrf-token" content="([^"]*)"/;
    document.addEventListener("htmx:after:request", (event) => {
        const match = TOKEN_IN_PAGE.exec(event.detail.ctx.text || "");
        const meta = csrfMeta();
        if (match && meta) meta.content = match[1];
    });

    // Toasts: dismissible, and gone by themselves after a while unless they hold an action.
    // At most MAX_TOASTS at once: a new one drops the oldest (the CSS hides extras before this
    // runs, and without JavaScript). The × is a <summary>: it closes its toast without
    // JavaScript too; here it removes it.
    const TOAST_LIFETIME_MS = 6000;
    const MAX_TOASTS = 3;
    const armToasts = (root) => {
        root.querySelectorAll(".toast:not([data-armed])").forEach((toast) => {
            toast.dataset.armed = "true";
            if (!toast.querySelector("form, a")) {
                setTimeout(() => toast.remove(), TOAST_LIFETIME_MS);
            }
        });
        const shown = document.querySelectorAll("#toasts > .toast");
        [...shown].slice(0, Math.max(0, shown.length - MAX_TOASTS)).forEach((toast) => toast.remove());
    };
    document.addEventListener("click", (event) => {
        const close = event.target.closest("[data-dismiss]");
        if (!close) return;
        event.preventDefault();
        close.closest(".toast")?.remove();
    });
    document.addEventListener("DOMContentLoaded", () => armToasts(document));
    document.addEventListener("htmx:after:swap", () => armToasts(document));

    // After boosted navigation, move focus to the new content, as a page load would for a reader:
    // to the field the page marks autofocus (htmx has focused it by now: sign-in, register),
    // else to <main>.
    document.addEventListener("htmx:after:swap", (event) => {
        const ctx = event.detail.ctx;
        if (ctx.target !== document.body) return;
        if (!document.activeElement || document.activeElement === document.body) {
            document.getElementById("main")?.focus({ preventScroll: true });
        }
    });
})();

// ==== profiles: character counters ====
// A field with data-counter="<id>" shows "<used> / <max> characters" in that element; without
// JavaScript the element keeps its server-rendered "Up to <max> characters."
(() => {
    "use strict";

    const showCount = (field) => {
        const counter = document.getElementById(field.dataset.counter);
        if (counter && field.maxLength > 0) {
            counter.textContent = `${field.value.length} / ${field.maxLength} characters`;
        }
    };
    const showAll = () => document.querySelectorAll("[data-counter]").forEach(showCount);

    document.addEventListener("input", (event) => {
        if (event.target.matches?.("[data-counter]")) showCount(event.target);
    });
    document.addEventListener("DOMContentLoaded", showAll);
    document.addEventListener("htmx:after:swap", showAll);
})();

// ==== fragment catalog ====
// Toasts in catalog specimens are there to be looked at, so they never time out: mark them as
// armed before the toast code above sees them (it arms on DOMContentLoaded and after swaps).
(() => {
    "use strict";
    const keep = () => {
        document.querySelectorAll(".catalog-specimen .toast").forEach((toast) => {
            toast.dataset.armed = "true";
        });
    };
    keep();
    window.addEventListener("htmx:after:swap", keep, true);
})();

// ==== users table ====
// Edit in place with the keyboard and the mouse; undo toasts that last long enough to be used.
(() => {
    "use strict";

    // Escape cancels the row being edited (or the delete being confirmed).
    document.addEventListener("keydown", (event) => {
        if (event.key !== "Escape") return;
        const row = event.target.closest?.(".edit-row, .confirm");
        row?.querySelector("[data-cancel]")?.click();
    });

    // One edit open at a time: opening another closes it (its Cancel puts the plain row back).
    // Typed changes are never dropped without a question: opening another edit, or a search,
    // sort, filter, page or any answer that replaces the table (or the page), asks first, and
    // Cancel there keeps everything as it is.
    const editRows = () => [...document.querySelectorAll("#users-rows > tr.edit-row")];
    const changed = (field) => {
        if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
        if (field.type === "select-one") {
            const initial = [...field.options].findIndex((option) => option.defaultSelected);
            return field.selectedIndex !== Math.max(initial, 0);
        }
        return field.type !== "hidden" && "defaultValue" in field && field.value !== field.defaultValue;
    };
    // The fields of a row's form include those tied to it from other cells (form="edit-<id>").
    const typedIn = (row) => [...(row.querySelector("form.row-form")?.elements ?? [])].some(changed);
    const mayDiscard = (rows) => {
        const names = rows.filter(typedIn).map((row) => row.dataset.username);
        return !names.length || window.confirm(`Discard the changes you typed for ${names.join(", ")}?`);
    };
    document.addEventListener("htmx:before:request", (event) => {
        const { sourceElement: source, target } = event.detail.ctx;
        if (!(target instanceof Element)) return;
        // The edits this answer would close: every other one when an Edit opens, else those
        // the answer replaces (not the one that asks: its own Save or Cancel).
        const opening = Boolean(source?.matches?.("[data-edit]"));
        const closing = editRows().filter((row) => !row.contains(source) && (opening || target.contains(row)));
        if (!mayDiscard(closing)) {
            event.preventDefault();
        } else if (opening) {
            closing.forEach((row) => {
                const cancel = row.querySelector("[data-cancel]");
                if (!cancel) return;
                cancel.dataset.closing = "true";
                cancel.click();
            });
        }
    });
    // A row closed that way comes back without its autofocus: the focus stays in the new edit.
    document.addEventListener("htmx:before:swap", (event) => {
        if (!event.detail.ctx?.sourceElement?.dataset?.closing) return;
        event.detail.tasks.forEach((task) => {
            task.fragment?.querySelectorAll?.("[autofocus]").forEach((element) => element.removeAttribute("autofocus"));
        });
    });

    // Double-clicking a cell opens the row for editing, like its Edit button.
    document.addEventListener("dblclick", (event) => {
        if (event.target.closest("a, button, input")) return;
        const row = event.target.closest('#users-table tr[data-testid="user-row"]');
        row?.querySelector("[data-edit]")?.click();
    });

    // Toasts with data-lifetime (undo) stay that long, and longer while they hold the focus.
    const expire = (toast) => {
        if (toast.contains(document.activeElement)) {
            setTimeout(() => expire(toast), 1000);
        } else {
            toast.remove();
        }
    };
    const armLongToasts = () => {
        document.querySelectorAll(".toast[data-lifetime]:not([data-expiring])").forEach((toast) => {
            toast.dataset.expiring = "true";
            setTimeout(() => expire(toast), Number(toast.dataset.lifetime));
        });
    };
    document.addEventListener("DOMContentLoaded", armLongToasts);
    // after:settle, not after:swap: when the swap removed the element that asked (a deleted
    // row), after:swap fires on a detached element and never reaches the document.
    document.addEventListener("htmx:after:settle", armLongToasts);

    // When a swap took the focused element away (a deleted row), keep keyboard users in the table.
    document.addEventListener("htmx:after:settle", () => {
        const table = document.getElementById("users-table");
        if (table && (!document.activeElement || document.activeElement === document.body)) {
            table.focus({ preventScroll: true });
        }
    });
})();

// ==== forms: send once ====
// A form that changes data sends once. While its request is in flight (htmx, or a plain post
// leaving the page) the form is marked busy (aria-busy) and its submit buttons are disabled, so
// Enter or a click again sends nothing. The second click of a double click never submits: with
// a fast answer it would land on the fresh form the first click brought (an empty post). The
// server keeps creates idempotent too (roster.idempotency), for whatever gets through.
(() => {
    "use strict";

    const SUBMITS = 'button:not([type="button"]):not([type="reset"]), input[type="submit"], input[type="image"]';
    const WRITES = "[hx-post], [hx-put], [hx-patch], [hx-delete]";
    const disabledBy = new WeakMap(); // busy form -> the buttons this code disabled

    const formOf = (element) => element?.form ?? element?.closest?.("form") ?? null;
    const changesData = (form) => form.method === "post" || form.matches(WRITES);
    const submitsOf = (form) => {
        const outside = form.id ? [...document.querySelectorAll(`[form="${CSS.escape(form.id)}"]`)] : [];
        return [...form.querySelectorAll(SUBMITS), ...outside.filter((element) => element.matches(SUBMITS))];
    };
    const markBusy = (form) => {
        if (disabledBy.has(form)) return;
        const buttons = submitsOf(form).filter((button) => !button.disabled);
        buttons.forEach((button) => { button.disabled = true; });
        form.setAttribute("aria-busy", "true");
        disabledBy.set(form, buttons);
    };
    const markDone = (form) => {
        disabledBy.get(form)?.forEach((button) => { button.disabled = false; });
        disabledBy.delete(form);
        form.removeAttribute("aria-busy");
    };

    document.addEventListener("htmx:before:request", (event) => {
        const ctx = event.detail.ctx;
        const source = ctx.sourceElement;
        // A submission: the form itself or its button (not a field checked as it is typed).
        const form = source?.matches?.("form") ? source : source?.matches?.(SUBMITS) && formOf(source);
        if (!form || (ctx.request.method || "GET").toUpperCase() === "GET") return;
        markBusy(form);
        ctx.busyForm = form;
    });
    // When the answer replaced the form, the new one is not busy and this event may not even
    // reach the document (it fires on the detached form): nothing to undo then.
    document.addEventListener("htmx:finally:request", (event) => {
        const form = event.detail.ctx.busyForm;
        if (form) {
            markDone(form);
            sentAt.delete(form);
        }
    });

    // A plain post (htmx did not take it): busy once the browser has read the form (a disabled
    // submitter would not be sent), until the page goes; back/forward may bring it back.
    // A form htmx took is "sending" from its submit event on: a second Enter that comes before
    // htmx marks it busy, and that htmx does not take (it has one request in flight), must not
    // leave as a plain post either (a whole page at the form's URL). Sending lapses after a
    // second, should htmx never start the request.
    // Nor may a form htmx has yet to process: a swap that brought it settles before htmx takes
    // it, and htmx has put the focus back into it by id, so an Enter meant for the form it
    // replaced would send the fresh, empty one as a plain post.
    const sentAt = new WeakMap(); // form -> when htmx took its submit
    const sending = (form) => performance.now() - (sentAt.get(form) ?? -Infinity) < 1000;
    const untaken = (form) => window.htmx && form.matches(WRITES) && !form.hasAttribute("data-htmx-powered");
    document.addEventListener("submit", (event) => {
        const form = event.target;
        if (!changesData(form)) return;
        if (disabledBy.has(form) || (!event.defaultPrevented && (sending(form) || untaken(form)))) {
            event.preventDefault();
            return;
        }
        if (event.defaultPrevented) {
            sentAt.set(form, performance.now());
            return;
        }
        setTimeout(() => markBusy(form));
    });
    window.addEventListener("pageshow", () => {
        document.querySelectorAll('form[aria-busy="true"]').forEach(markDone);
    });

    document.addEventListener("click", (event) => {
        if (event.detail < 2 || !event.target.closest?.(SUBMITS)) return;
        const form = formOf(event.target.closest(SUBMITS));
        if (form && changesData(form)) event.preventDefault();
    }, true);
    // Enter held down repeats: one submission.
    document.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && event.repeat && event.target.matches?.("input") && formOf(event.target)) {
            event.preventDefault();
        }
    }, true);
})();

// ==== users search: one history entry per search ====
// The search box asks as you type; each answer would push a history entry, so Back would step
// through "a", "al", "ali". The first answer of a search pushes, the ones while typing replace
// it; the search settles (a new entry next time) on change (Enter, leaving the box) or after a
// pause of SETTLED_MS. An entry is never pushed twice in a row (Enter after typing).
(() => {
    "use strict";

    const SETTLED_MS = 2000;
    let typing = false;
    let idle;
    const settle = () => {
        typing = false;
        clearTimeout(idle);
    };
    const here = () => location.pathname + location.search;

    document.addEventListener("htmx:before:history:update", (event) => {
        const { history, sourceElement } = event.detail;
        const fromSearchBox = sourceElement?.matches?.("#search-q");
        if (history.type === "push" && (history.path === here() || (fromSearchBox && typing))) {
            history.type = "replace";
        }
        if (fromSearchBox) {
            typing = true;
            clearTimeout(idle);
            idle = setTimeout(settle, SETTLED_MS);
        } else {
            settle();
        }
    });
    document.addEventListener("change", (event) => {
        if (event.target.matches?.("#search-q")) settle();
    });
})();

// ==== users table: bulk selection ====
// The row checkboxes belong to the selection bar's form (#bulk-bar). On top of that plain
// form: shift-click ticks a range, the header box ticks the page, and the selection is a set
// of ids kept in sessionStorage per filter (the bar's data-scope), so it survives paging and
// sorting; ids ticked on other pages travel as hidden inputs in [data-bulk-kept].
// "Select all matching" (scope=matching) stands for every page at once.
(() => {
    "use strict";

    const STORE = "roster:bulk-selection";
    let state = { scope: null, ids: new Set(), matching: false };
    let lastClicked = null;

    const bar = () => document.querySelector("form#bulk-bar");
    const rowBoxes = () => [...document.querySelectorAll('#users-rows input[name="ids"]')];

    const save = () => {
        const { scope, ids, matching } = state;
        sessionStorage.setItem(STORE, JSON.stringify({ scope, ids: [...ids], matching }));
    };

    const load = (scope) => {
        let saved = null;
        try {
            saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
        } catch {
            saved = null;
        }
        state = saved && saved.scope === scope
            ? { scope, ids: new Set(saved.ids), matching: Boolean(saved.matching) }
            : { scope, ids: new Set(), matching: false };
    };

    const hiddenId = (id) => {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = "ids";
        input.value = id;
        return input;
    };

    // Make the page show the selection: boxes, the page's box, the count, the kept ids.
    const show = () => {
        const form = bar();
        if (!form) return;
        if (form.dataset.scope !== state.scope) load(form.dataset.scope);
        const boxes = rowBoxes();
        const onPage = new Set(boxes.map((box) => box.value));
        boxes.forEach((box) => {
            box.checked = state.matching || state.ids.has(box.value);
            box.disabled = state.matching;
        });
        const kept = form.querySelector("[data-bulk-kept]");
        kept?.replaceChildren(...[...state.ids].filter((id) => !onPage.has(id)).map(hiddenId));
        const matching = form.querySelector("[data-bulk-matching]");
        if (matching) matching.checked = state.matching;
        const pageBox = document.querySelector("[data-select-page]");
        if (pageBox) {
            pageBox.hidden = boxes.length === 0;
            const ticked = boxes.filter((box) => box.checked).length;
            pageBox.checked = ticked > 0 && ticked === boxes.length;
            pageBox.indeterminate = ticked > 0 && ticked < boxes.length;
            pageBox.disabled = state.matching;
        }
        const count = form.querySelector("[data-bulk-count]");
        if (count) {
            if (!count.dataset.idle) count.dataset.idle = count.textContent;
            const n = state.ids.size;
            count.textContent = state.matching
                ? "Every matching user is selected, on every page:"
                : n ? `${n} selected (on any page), or` : count.dataset.idle;
        }
        const clear = form.querySelector("[data-bulk-clear]");
        if (clear) clear.hidden = !(state.matching || state.ids.size);
        save();
    };

    const tick = (box, on) => {
        box.checked = on;
        if (on) state.ids.add(box.value);
        else state.ids.delete(box.value);
    };

    document.addEventListener("click", (event) => {
        const box = event.target.closest?.('#users-rows input[name="ids"]');
        if (!box) return;
        const boxes = rowBoxes();
        if (event.shiftKey && lastClicked && boxes.includes(lastClicked)) {
            const [from, to] = [boxes.indexOf(lastClicked), boxes.indexOf(box)].sort((a, b) => a - b);
            boxes.slice(from, to + 1).forEach((each) => tick(each, box.checked));
        } else {
            tick(box, box.checked);
        }
        lastClicked = box;
        show();
    });

    document.addEventListener("change", (event) => {
        if (event.target.matches?.("[data-select-page]")) {
            rowBoxes().forEach((box) => tick(box, event.target.checked));
            show();
        } else if (event.target.matches?.("[data-bulk-matching]")) {
            state.matching = event.target.checked;
            show();
        }
    });

    const clearSelection = () => {
        state.ids.clear();
        state.matching = false;
        lastClicked = null;
        show();
    };
    document.addEventListener("click", (event) => {
        if (event.target.closest?.("[data-bulk-clear]")) clearSelection();
    });
    // The server says the action is done (HX-Trigger): the selection has served.
    document.addEventListener("roster:bulk-done", clearSelection);

    document.addEventListener("DOMContentLoaded", show);
    document.addEventListener("htmx:after:settle", show);
})();
