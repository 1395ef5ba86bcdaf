//go:build race

package main

// raceEnabled: the race detector multiplies a program's memory several times.
const raceEnabled = true
