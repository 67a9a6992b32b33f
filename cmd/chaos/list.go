package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// defaultLibrary is where `make chaos` finds its scenarios.
const defaultLibrary = "scenarios/library"

func listCmd(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenarios, code := loadScenarios(fs, args, stderr)
	if code != exitOK {
		return code
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTARGET\tLOAD\tFAULTS\tDESCRIPTION")
	for _, s := range scenarios {
		var fl []string
		for _, f := range s.Faults {
			fl = append(fl, fmt.Sprintf("%s@%v", f.Name, f.At))
		}
		load := "-"
		if s.Load.PaymentsPerSecond > 0 {
			load = fmt.Sprintf("%g/s×%v", s.Load.PaymentsPerSecond, s.Load.Duration)
		}
		desc := strings.Join(strings.Fields(s.Description), " ")
		if len(desc) > 70 {
			desc = desc[:67] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Target, load, strings.Join(fl, ","), desc)
	}
	tw.Flush()
	return exitOK
}
