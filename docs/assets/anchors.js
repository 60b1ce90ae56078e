// After Material's instant navigation swaps in a long page (a provider's rules), the browser can
// keep the old scroll position instead of going to the #anchor of the link that was followed. Once
// the new page is in place, bring the anchor's target into view if it is not already.
document$.subscribe(() => {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  if (!target) return;
  requestAnimationFrame(() => {
    const top = target.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight) target.scrollIntoView();
  });
});
