/**
 * Copies `text`: through the Clipboard API where the page may use it, else (a console served
 * over plain HTTP has no `navigator.clipboard`, and a browser may refuse it) by selecting the
 * read-only field that shows the text and asking the browser to copy the selection. Answers
 * whether either worked; when neither did, the text stays selected for the person to copy.
 */
export async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (permission, focus): the selection below still can copy.
  }
  if (!field) return false;
  field.focus();
  field.select();
  try {
    // Deprecated but the only copy there is without the Clipboard API.
    return document.execCommand('copy');
  } catch {
    return false;
  }
}
