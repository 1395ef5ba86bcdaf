package main

import "syscall"

// childProcAttr has the kernel interrupt the bare handler's process when the
// bench's ends, even by SIGKILL, so that no child is left serving
// (PR_SET_PDEATHSIG). The signal follows the thread that started the child;
// the Go runtime ends no thread that a goroutine has not locked, and the
// bench locks none.
func childProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGINT} }
