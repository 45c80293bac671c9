// What the measuring scripts (bundle-size.mjs, page-speed.mjs) share: sizes in KB, and a Markdown
// table with the first column left-aligned and the others right-aligned.

export const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;

/** Prints `rows` (the first one is the header) as a Markdown table. */
export function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    console.log(`| ${r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join(" | ")} |`);
    if (i === 0) console.log(`|${widths.map((w, j) => (j === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")}|`);
  }
}
