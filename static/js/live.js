// Live screens (roster.live): the server streams fragments over Server-Sent Events (htmx's
// hx-sse extension, on a hidden element marked data-live) and htmx swaps them where they go.
// Two rules keep the page whole, whatever arrives and in whichever order:
// - a live swap never replaces what the viewer is in the middle of: an element marked
//   data-live-hold (a row being edited, a delete being confirmed), or one holding such an
//   element, stays as it is;
// - no swap inserts an element whose id is already on the page: a stream may resend after a
//   reconnect, and the stream of one's own change can arrive before the answer to it.
(() => {
    "use strict";

    const INSERTS = new Set(["beforebegin", "afterbegin", "beforeend", "afterend"]);

    const held = (element) =>
        element.matches("[data-live-hold]") || element.querySelector("[data-live-hold]") !== null;

    // Drops from an insert what the page already shows; true when nothing is left to insert.
    // An out-of-band insert still holds the element it came in (a <template>, or one named
    // after its target), which htmx strips: what gets inserted are its children.
    const nothingNew = (task) => {
        const wrapper = task.swapSpec.strip ? task.fragment.firstElementChild : null;
        const content = wrapper ? (wrapper.content ?? wrapper) : task.fragment;
        for (const element of [...content.children]) {
            if (element.id && document.getElementById(element.id)) element.remove();
        }
        return content.children.length === 0;
    };

    const skipped = (task, live) => {
        const target = task.target;
        if (!(target instanceof Element)) return false;
        if (INSERTS.has(task.swapSpec?.style)) return nothingNew(task);
        return live && held(target);
    };

    document.addEventListener("htmx:before:swap", (event) => {
        const live = event.detail.ctx.sourceElement?.matches?.("[data-live]") === true;
        const tasks = event.detail.tasks;
        for (let i = tasks.length - 1; i >= 0; i--) {
            if (skipped(tasks[i], live)) tasks.splice(i, 1);
        }
    });
})();
