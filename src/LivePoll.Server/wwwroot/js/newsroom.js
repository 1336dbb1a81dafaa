// Sign-in for the newsroom pages: an API key in the URL fragment (#key=…, for wall screens that must start by
// themselves), or the newsroom cookie from POST /api/session; without either, a sign-in form.
import { t } from "./i18n.js";
import { ApiError, api, h, useKeyFromFragment } from "./live.js";

/** Resolves with { name, role } once signed in with one of the roles; shows the form in #sign-in until then. */
export async function signedIn(roles) {
  useKeyFromFragment();
  try {
    const session = await api("/api/session");
    if (roles.includes(session.role)) return session;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  return await new Promise(resolve => showForm(roles, resolve));
}

function showForm(roles, resolve) {
  const section = document.getElementById("sign-in");
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "card", novalidate: true },
    h("h1", {}, t("signIn")),
    h("label", { for: "sign-in-name" }, t("name")),
    h("input", { id: "sign-in-name", name: "name", autocomplete: "username", required: true }),
    h("label", { for: "sign-in-password" }, t("password")),
    h("input", { id: "sign-in-password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit", class: "primary" }, t("signIn")),
    error);
  form.addEventListener("submit", async event => {
    event.preventDefault();
    error.textContent = "";
    try {
      const session = await api("/api/session", { method: "POST", body: { name: form.elements.name.value, password: form.elements.password.value } });
      if (!roles.includes(session.role)) {
        error.textContent = t("failed", { m: `${session.name}: ${session.role}` });
        return;
      }
      section.hidden = true;
      resolve(session);
    } catch (failure) {
      error.textContent = failure instanceof ApiError && failure.status === 401 ? t("signInFailed") : t("failed", { m: failure.message });
    }
  });
  section.replaceChildren(form);
  section.hidden = false;
  form.elements.name.focus();
}

export async function signOut() {
  await api("/api/session", { method: "DELETE" }).catch(() => {});
  location.hash = "";
  location.reload();
}
