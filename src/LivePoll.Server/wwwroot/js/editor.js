// The desk's rich-text editor for article bodies and corrections: Tiptap (ProseMirror), bundled into /lib/tiptap.js.
// It writes only what the server's sanitiser keeps (paragraphs, h2/h3, bold, italic, underline, strike, links, lists,
// block quotes, images with alt text and responsive sources), so an article reads the same after its round trip; paste
// from Word or Google Docs keeps that structure and drops the rest (fonts, colours, classes, comments). Every command has
// a toolbar button (a toolbar in the ARIA sense: arrow keys move along it) and a keyboard shortcut.
import { Editor, Image, Placeholder, StarterKit } from "/lib/tiptap.js";
import { t } from "./i18n.js";
import { h } from "./live.js";

/** Images in a body: the uploaded photo's renditions up to 960 px (a body is at most 720 px wide), lazily loaded. */
const BodyImage = Image.extend({
  addAttributes() {
    return {
      ...this.parent?.(),
      srcset: { default: null },
      sizes: { default: null },
      loading: { default: "lazy" },
    };
  },
});

const BodySizes = "(max-width: 720px) 100vw, 720px";

/** A toolbar icon drawn from an SVG path (no icon font, nothing from elsewhere). */
function icon(path) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "rte-icon");
  const line = document.createElementNS(ns, "path");
  line.setAttribute("d", path);
  svg.append(line);
  return svg;
}

/** The srcset entries no wider than 960 pixels. */
const upTo960 = srcset => srcset.split(", ").filter(e => parseInt(e.slice(e.lastIndexOf(" ") + 1), 10) <= 960).join(", ");

/**
 * A rich-text field in `host`. `upload(file)` stores a photo and resolves with what it became (its `image`: renditions); `ask(label,
 * value)` resolves with a text the editor typed (a link, alt text) or null. Returns { html(), setHtml(), focus(), isEmpty() }.
 */
export function richText(host, { html = "", label, upload, ask, onChange = () => {} }) {
  const surface = h("div", { class: "rte-surface" });
  const status = h("p", { class: "rte-status muted", role: "status" });
  const editor = new Editor({
    element: surface,
    injectCSS: false, // the page's stylesheet styles it: the content security policy allows no inline <style>
    extensions: [
      StarterKit.configure({
        heading: { levels: [2, 3] },
        code: false,
        codeBlock: false,
        horizontalRule: false,
        link: { openOnClick: false, autolink: true, defaultProtocol: "https", HTMLAttributes: { rel: null, target: null } },
      }),
      BodyImage.configure({ inline: false }),
      Placeholder.configure({ placeholder: t("bodyPlaceholder") }),
    ],
    content: html,
    editorProps: {
      attributes: { role: "textbox", "aria-multiline": "true", "aria-label": label, class: "rte-content" },
      // Photos dropped or pasted into the text are uploaded and put between the paragraphs where they were dropped:
      // after the block under the pointer, never splitting a paragraph, a list or a quote in two.
      handleDrop: (view, event, _slice, moved) => !moved && takePhotos(event.dataTransfer?.files, betweenBlocks(view, event)),
      handlePaste: (_view, event) => takePhotos(event.clipboardData?.files),
    },
    onUpdate: () => onChange(),
    onSelectionUpdate: () => refreshToolbar(),
    onTransaction: () => refreshToolbar(),
  });

  // Where a photo dropped at the pointer goes: in place of an empty paragraph under it, else after the block under it.
  function betweenBlocks(view, event) {
    const at = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos;
    if (at === undefined) return undefined;
    const resolved = view.state.doc.resolve(at);
    if (resolved.depth === 0) return { from: at, to: at };
    const block = resolved.node(1);
    return block.isTextblock && block.content.size === 0
      ? { from: resolved.before(1), to: resolved.after(1) }
      : { from: resolved.after(1), to: resolved.after(1) };
  }

  function takePhotos(files, at) {
    const photos = [...(files ?? [])].filter(f => f.type.startsWith("image/") || /\.(jpe?g|png|webp|heic)$/i.test(f.name));
    if (photos.length === 0) return false;
    (async () => { for (const file of photos) await insertPhoto(file, at); })();
    return true;
  }

  async function insertPhoto(file, at) {
    status.textContent = t("uploading", { n: file.name });
    try {
      const { image } = await upload(file);
      const alt = await ask(t("altPrompt"), "", { required: true });
      if (!alt) { status.textContent = t("altMissing"); return; }
      const node = { type: "image", attrs: { src: image.src, srcset: upTo960(image.srcset), sizes: BodySizes, alt, width: image.width, height: image.height, loading: "lazy" } };
      if (at === undefined) {
        editor.chain().focus().insertContent(node).run();
      } else {
        // The text may have changed while the photo uploaded: the place is kept within the document.
        const { state, view } = editor;
        const end = state.doc.content.size;
        view.dispatch(state.tr.replaceWith(Math.min(at.from, end), Math.min(at.to, end), state.schema.nodeFromJSON(node)));
        editor.commands.focus();
      }
      status.textContent = t("photoAdded");
    } catch (failure) {
      status.textContent = t("failed", { m: failure.message });
    }
  }

  const picker = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", hidden: true });
  picker.addEventListener("change", async () => {
    for (const file of picker.files) await insertPhoto(file);
    picker.value = "";
  });

  const buttons = [
    ["bold", "B", "Ctrl+B", c => c.toggleBold(), "bold"],
    ["italic", "I", "Ctrl+I", c => c.toggleItalic(), "italic"],
    ["heading2", "H2", "Ctrl+Alt+2", c => c.toggleHeading({ level: 2 }), ["heading", { level: 2 }]],
    ["heading3", "H3", "Ctrl+Alt+3", c => c.toggleHeading({ level: 3 }), ["heading", { level: 3 }]],
    ["bulletList", "•", "Ctrl+Shift+8", c => c.toggleBulletList(), "bulletList"],
    ["orderedList", "1.", "Ctrl+Shift+7", c => c.toggleOrderedList(), "orderedList"],
    ["quote", "❝", "Ctrl+Shift+B", c => c.toggleBlockquote(), "blockquote"],
    ["link", icon("M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"), "", null, "link"],
    ["image", icon("M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15 9.5a1.5 1.5 0 1 0 0-.01"), "", null, null],
    ["undo", "↶", "Ctrl+Z", c => c.undo(), null],
    ["redo", "↷", "Ctrl+Shift+Z", c => c.redo(), null],
  ].map(([name, text, keys, command, active]) => {
    // A button's accessible name holds the text it shows ("H2 Heading"), so a voice user can say what they see.
    const label = typeof text === "string" && !t(`rte_${name}`).toLowerCase().startsWith(text.toLowerCase()) ? `${text} ${t(`rte_${name}`)}` : t(`rte_${name}`);
    const button = h("button", {
      type: "button", class: `rte-button rte-${name}`, tabindex: "-1", "aria-label": label,
      title: keys ? `${t(`rte_${name}`)} (${keys})` : t(`rte_${name}`), "aria-keyshortcuts": keys ? keys.replace("Ctrl", "Control") : null,
      "aria-pressed": active ? "false" : null, dataset: { command: name },
    }, text);
    button.addEventListener("click", async () => {
      if (name === "link") await editLink();
      else if (name === "image") picker.click();
      else command(editor.chain().focus()).run();
    });
    return { button, active };
  });
  buttons[0].button.tabIndex = 0;

  async function editLink() {
    const current = editor.getAttributes("link").href ?? "";
    const href = await ask(t("linkPrompt"), current, { type: "url" });
    if (href === null) return;
    const chain = editor.chain().focus().extendMarkRange("link");
    (href.trim() === "" ? chain.unsetLink() : chain.setLink({ href: href.trim() })).run();
  }

  function refreshToolbar() {
    for (const { button, active } of buttons) {
      if (active) button.setAttribute("aria-pressed", String(Array.isArray(active) ? editor.isActive(...active) : editor.isActive(active)));
    }
  }

  const toolbar = h("div", { class: "rte-toolbar", role: "toolbar", "aria-label": t("formatting") }, ...buttons.map(b => b.button), picker);
  // One tab stop for the toolbar; arrow keys, Home and End move along it.
  toolbar.addEventListener("keydown", event => {
    const list = buttons.map(b => b.button);
    const index = list.indexOf(document.activeElement);
    if (index < 0) return;
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: list.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    list[index].tabIndex = -1;
    const target = list[(next + list.length) % list.length];
    target.tabIndex = 0;
    target.focus();
  });
  // Alt+F10 goes from the text to the toolbar, as in word processors.
  surface.addEventListener("keydown", event => {
    if (event.altKey && event.key === "F10") { event.preventDefault(); toolbar.querySelector("[tabindex='0']")?.focus(); }
  });

  host.replaceChildren(toolbar, surface, status);
  refreshToolbar();
  return {
    // Without the empty paragraphs the editor keeps at the end (a place to type after a quote or an image).
    html: () => (editor.isEmpty ? "" : editor.getHTML().replace(/(<p><\/p>)+$/, "")),
    setHtml: value => editor.commands.setContent(value ?? "", { emitUpdate: false }),
    focus: () => editor.commands.focus(),
    isEmpty: () => editor.isEmpty,
    editor,
  };
}

/**
 * Asks for a line of text in a modal dialog (keyboard and screen readers get a real dialog, not window.prompt): resolves
 * with the text, or null when cancelled. `required`: an empty answer is not taken.
 */
export function askText(label, value = "", { type = "text", required = false } = {}) {
  return new Promise(resolve => {
    const input = h("input", { type, value, required, "aria-label": label });
    const error = h("p", { class: "form-error", role: "alert" });
    const dialog = h("dialog", { class: "ask-dialog", "aria-label": label },
      h("form", { method: "dialog", novalidate: true },
        h("label", {}, label, input), error,
        h("div", { class: "dialog-buttons" },
          h("button", { type: "submit", class: "primary small", value: "ok" }, t("ok")),
          h("button", { type: "button", class: "secondary small", onclick: () => dialog.close("cancel") }, t("cancel")))));
    dialog.querySelector("form").addEventListener("submit", event => {
      if (required && input.value.trim() === "") {
        event.preventDefault();
        error.textContent = t("required");
        input.focus();
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok" ? input.value.trim() : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
