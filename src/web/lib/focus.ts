/** Moves focus to an element once the render that shows it (or its error) is done, and scrolls it into view. */
export const focusLater = (id: string) =>
  window.requestAnimationFrame(() => {
    const element = document.getElementById(id);
    if (!element) return;
    element.focus();
    element.scrollIntoView({ block: 'center' });
  });
