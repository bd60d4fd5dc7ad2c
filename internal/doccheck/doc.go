// Package doccheck holds the tests that keep the repository's documentation true to the
// repository itself, so a user who clones it finds no dead link:
//
//   - every relative link in a tracked Markdown file resolves to a file or directory inside
//     the repository, and every #anchor to a heading of the page it names;
//   - no Markdown file refers to a path outside the repository (the team's design notes
//     are not shipped);
//   - the import picture in docs/architecture.md is the module's real import graph, and the
//     one-way import rules of docs/architecture.md hold.
//
// Its only code is what the tests share: the fragments GitHub gives a page's headings
// (anchors).
package doccheck
