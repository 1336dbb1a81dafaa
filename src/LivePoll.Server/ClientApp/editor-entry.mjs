// The desk's rich-text editor, Tiptap (MIT; ProseMirror underneath), bundled into one ES module (wwwroot/lib/tiptap.js)
// by copy-vendor.mjs, so the desk loads it from this site like every other script: no CDN, and no eval (the pages'
// content security policy allows neither).
export { Editor, Extension, mergeAttributes } from "@tiptap/core";
export { default as StarterKit } from "@tiptap/starter-kit";
export { default as Image } from "@tiptap/extension-image";
export { Placeholder, CharacterCount } from "@tiptap/extensions";
