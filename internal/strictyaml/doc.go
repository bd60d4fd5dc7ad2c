// Package strictyaml walks a yaml.Node tree for the files other teams write by hand —
// incident files and sut.yaml — so that every error names file, line, column and the
// field's path, and an unknown key is an error with a did-you-mean instead of a silent
// change of meaning. Keys starting with ExtensionPrefix are left to users.
//
// It is one walker for both formats, so both answer a typo the same way.
package strictyaml
