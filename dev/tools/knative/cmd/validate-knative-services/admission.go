package main

// What Knative Serving's webhook does with a CREATE request, in process and in the same order:
// the defaulting webhook (knative.dev/pkg webhook/resourcesemantics/defaulting, mutate), then the
// validating webhook (…/validation, decodeRequestAndPrepareContext + validate) on the defaulted
// object. Both decorate the context with serving's config store (cmd/webhook/main.go,
// store.ToContext); with the ConfigMaps as released (only `_example` keys) that is
// config.FromContextOrDefaults: default feature flags and defaults.

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"knative.dev/pkg/apis"
	webhookjson "knative.dev/pkg/webhook/json"
	apisconfig "knative.dev/serving/pkg/apis/config"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
)

// genericCRD is knative.dev/pkg/webhook/resourcesemantics.GenericCRD.
type genericCRD interface {
	apis.Defaultable
	apis.Validatable
	runtime.Object
}

// servingV1Types are the serving.knative.dev/v1 entries of `types` in serving's cmd/webhook/main.go.
var servingV1Types = map[schema.GroupVersionKind]func() genericCRD{
	servingv1.SchemeGroupVersion.WithKind("Revision"):      func() genericCRD { return &servingv1.Revision{} },
	servingv1.SchemeGroupVersion.WithKind("Configuration"): func() genericCRD { return &servingv1.Configuration{} },
	servingv1.SchemeGroupVersion.WithKind("Route"):         func() genericCRD { return &servingv1.Route{} },
	servingv1.SchemeGroupVersion.WithKind("Service"):       func() genericCRD { return &servingv1.Service{} },
}

// Verdict is what the two webhooks answer for one object.
type Verdict struct {
	Errors   []*apis.FieldError
	Warnings []*apis.FieldError
}

// configContext is store.ToContext with the released ConfigMaps: every config at its default.
func configContext() context.Context {
	return apisconfig.ToContext(context.Background(), apisconfig.FromContextOrDefaults(context.Background()))
}

// admitCreate runs defaulting then validation on the JSON of one object of a known kind.
// The serving validation callbacks (pkg/webhook ValidateService/ValidateConfiguration) act only
// on dry-run requests and create a dry-run Pod in the cluster, so a plain create skips them too.
func admitCreate(gvk schema.GroupVersionKind, raw []byte, user *authenticationv1.UserInfo) (Verdict, error) {
	newObject, ok := servingV1Types[gvk]
	if !ok {
		return Verdict{}, fmt.Errorf("unhandled kind: %v", gvk)
	}
	defaulted, err := defaultOnCreate(newObject(), raw, gvk.Group, user)
	if err != nil {
		return Verdict{}, err
	}
	return validateOnCreate(newObject(), defaulted, user)
}

// defaultOnCreate mirrors defaulting.reconciler.mutate for a create (no old object, no callback:
// serving registers none for defaulting) and returns the patched object's JSON.
func defaultOnCreate(object genericCRD, raw []byte, group string, user *authenticationv1.UserInfo) ([]byte, error) {
	if err := webhookjson.Decode(raw, object, false); err != nil {
		return nil, fmt.Errorf("cannot decode incoming new object: %w", err)
	}
	ctx := apis.WithUserInfo(apis.WithinCreate(configContext()), user)
	object.SetDefaults(ctx)
	setCreatorAnnotations(object, group, user)
	return webhookjson.Marshal(object)
}

// setCreatorAnnotations is defaulting's setUserInfoAnnotations (user_info.go) on create.
func setCreatorAnnotations(object genericCRD, group string, user *authenticationv1.UserInfo) {
	if _, hasSpec := object.(apis.HasSpec); !hasSpec {
		return
	}
	meta, ok := object.(interface {
		GetAnnotations() map[string]string
		SetAnnotations(map[string]string)
	})
	if !ok {
		return
	}
	annotations := meta.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[group+apis.CreatorAnnotationSuffix] = user.Username
	annotations[group+apis.UpdaterAnnotationSuffix] = user.Username
	meta.SetAnnotations(annotations)
}

// validateOnCreate mirrors validation.reconciler.Admit for a create: decode, context with the
// user and WithinCreate, Validate, then split the result by diagnostic level.
func validateOnCreate(object genericCRD, raw []byte, user *authenticationv1.UserInfo) (Verdict, error) {
	if err := webhookjson.Decode(raw, object, false); err != nil {
		return Verdict{}, fmt.Errorf("cannot decode incoming new object: %w", err)
	}
	ctx := apis.WithinCreate(apis.WithUserInfo(configContext(), user))
	result := object.Validate(ctx)
	var verdict Verdict
	if errs := result.Filter(apis.ErrorLevel); errs != nil {
		verdict.Errors = errs.WrappedErrors()
	}
	if warnings := result.Filter(apis.WarningLevel); warnings != nil {
		verdict.Warnings = warnings.WrappedErrors()
	}
	return verdict, nil
}
