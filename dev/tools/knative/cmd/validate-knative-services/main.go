// validate-knative-services is a test tool of ours, built against the pinned upstream module
// knative.dev/serving (tools/versions.json) by `npm run binaries`. It runs Knative Serving's own
// defaulting and validation over every serving.knative.dev/v1 object in the given YAML files,
// exactly as the webhook does on create (see admission.go), with default feature flags.
//
// Usage: validate-knative-services [-user NAME] FILE...
// Prints one JSON report on stdout. Exit 0: every object accepted with no warning; 1: some
// object has an error or a warning; 2: usage error, unreadable file, or no serving object found.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	authenticationv1 "k8s.io/api/authentication/v1"
	"knative.dev/pkg/apis"
)

type diagnostic struct {
	Message string   `json:"message"`
	Paths   []string `json:"paths"`
	Details string   `json:"details,omitempty"`
	Text    string   `json:"text"`
}

type objectReport struct {
	File      string       `json:"file"`
	Kind      string       `json:"kind"`
	Namespace string       `json:"namespace,omitempty"`
	Name      string       `json:"name"`
	Errors    []diagnostic `json:"errors"`
	Warnings  []diagnostic `json:"warnings"`
}

type report struct {
	Objects  []objectReport `json:"objects"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
}

func diagnostics(fieldErrors []*apis.FieldError) []diagnostic {
	out := make([]diagnostic, 0, len(fieldErrors))
	for _, fe := range fieldErrors {
		out = append(out, diagnostic{Message: fe.Message, Paths: fe.Paths, Details: fe.Details, Text: fe.Error()})
	}
	return out
}

func objectName(raw []byte) (namespace, name string) {
	var object struct {
		Metadata struct {
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(raw, &object)
	return object.Metadata.Namespace, object.Metadata.Name
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "validate-knative-services: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	username := flag.String("user", "kubernetes-admin", "user name of the create request (Knative records it in the creator annotations)")
	flag.Parse()
	if flag.NArg() == 0 {
		fail("usage: validate-knative-services [-user NAME] FILE...")
	}
	user := &authenticationv1.UserInfo{Username: *username}
	out := report{Objects: []objectReport{}}
	for _, file := range flag.Args() {
		documents, err := readDocuments(file)
		if err != nil {
			fail("%v", err)
		}
		for _, doc := range documents {
			if _, known := servingV1Types[doc.GVK]; !known {
				continue
			}
			namespace, name := objectName(doc.Raw)
			entry := objectReport{File: file, Kind: doc.GVK.Kind, Namespace: namespace, Name: name, Errors: []diagnostic{}, Warnings: []diagnostic{}}
			verdict, err := admitCreate(doc.GVK, doc.Raw, user)
			if err != nil {
				// The webhook answers a request it cannot decode with an error status: a rejection.
				entry.Errors = append(entry.Errors, diagnostic{Message: err.Error(), Paths: []string{}, Text: err.Error()})
			} else {
				entry.Errors = append(entry.Errors, diagnostics(verdict.Errors)...)
				entry.Warnings = diagnostics(verdict.Warnings)
			}
			out.Errors += len(entry.Errors)
			out.Warnings += len(entry.Warnings)
			out.Objects = append(out.Objects, entry)
		}
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(out); err != nil {
		fail("%v", err)
	}
	if len(out.Objects) == 0 {
		fail("no serving.knative.dev/v1 object in %v", flag.Args())
	}
	if out.Errors > 0 || out.Warnings > 0 {
		os.Exit(1)
	}
}
