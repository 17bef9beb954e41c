package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// document is one YAML document of a file, as the JSON an apiserver would send a webhook.
type document struct {
	File  string
	Index int
	GVK   schema.GroupVersionKind
	Raw   []byte
}

// readDocuments splits a multi-document YAML file; empty documents are skipped.
func readDocuments(file string) ([]document, error) {
	content, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(content)))
	var documents []document
	for index := 0; ; index++ {
		chunk, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return documents, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		raw, err := yaml.YAMLToJSON(chunk)
		if err != nil {
			return nil, fmt.Errorf("%s document %d: %w", file, index, err)
		}
		if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
			continue
		}
		var typeMeta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := json.Unmarshal(raw, &typeMeta); err != nil {
			return nil, fmt.Errorf("%s document %d: %w", file, index, err)
		}
		documents = append(documents, document{File: file, Index: index, GVK: schema.FromAPIVersionAndKind(typeMeta.APIVersion, typeMeta.Kind), Raw: raw})
	}
}
