//go:build !linux

package main

import "syscall"

// childProcAttr: elsewhere than Linux a bench killed without a chance to
// stop its bare handler's process leaves it serving.
func childProcAttr() *syscall.SysProcAttr { return nil }
