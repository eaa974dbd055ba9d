package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lazytrail/lazytrail/model"
	"github.com/lazytrail/lazytrail/ui"
)

// outputFormats are the values --output accepts.
var outputFormats = []string{"table", "jsonl", "json", "csv"}

// writeSelection prints the selected events in the given format. json writes
// the raw records byte-exact inside an array; jsonl compacts each raw record
// onto one line; csv neutralizes formula cells; table is sanitized for the
// terminal.
func writeSelection(w io.Writer, sel *model.Selection, format string, local bool) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var err error
	switch format {
	case "json":
		err = writeJSON(bw, sel)
	case "jsonl":
		err = writeJSONL(bw, sel)
	case "csv":
		err = writeCSV(bw, sel, local)
	case "table":
		err = writeTable(bw, sel, local)
	default:
		return fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(outputFormats, ", "))
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func writeJSON(w *bufio.Writer, sel *model.Selection) error {
	w.WriteString("[")
	for i := 0; i < sel.Len(); i++ {
		ev := sel.Event(i)
		raw, err := ev.Record()
		if err != nil {
			return fmt.Errorf("read record %s: %w", ev.ID, err)
		}
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n")
		w.Write(raw)
	}
	if sel.Len() > 0 {
		w.WriteString("\n")
	}
	_, err := w.WriteString("]\n")
	return err
}

func writeJSONL(w *bufio.Writer, sel *model.Selection) error {
	var line bytes.Buffer
	for i := 0; i < sel.Len(); i++ {
		ev := sel.Event(i)
		raw, err := ev.Record()
		if err != nil {
			return fmt.Errorf("read record %s: %w", ev.ID, err)
		}
		line.Reset()
		if err := json.Compact(&line, raw); err != nil {
			return fmt.Errorf("compact record %s: %w", ev.ID, err)
		}
		line.WriteByte('\n')
		if _, err := w.Write(line.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// listColumns are the columns of the csv and table outputs.
var listColumns = []string{"time", "event", "who", "service", "region", "source_ip", "error", "event_id"}

func listRow(ev *model.Event, local bool) []string {
	t := ev.Time
	if local {
		t = t.Local()
	}
	return []string{t.Format(time.RFC3339), ev.Name, ev.Who, ev.Service(), ev.Region, ev.SourceIP, ev.ErrorCode, ev.ID}
}

func writeCSV(w io.Writer, sel *model.Selection, local bool) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(listColumns); err != nil {
		return err
	}
	for i := 0; i < sel.Len(); i++ {
		ev := sel.Event(i)
		row := listRow(&ev, local)
		for j, cell := range row {
			row[j] = neutralizeCell(cell)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// neutralizeCell defuses spreadsheet formulas: a cell that starts with
// = + - @ (or a tab or carriage return) is prefixed with a single quote.
func neutralizeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func writeTable(w io.Writer, sel *model.Selection, local bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(listColumns, "\t")))
	for i := 0; i < sel.Len(); i++ {
		ev := sel.Event(i)
		row := listRow(&ev, local)
		for j, cell := range row {
			row[j] = ui.Sanitize(cell)
			if row[j] == "" {
				row[j] = "-"
			}
		}
		if _, err := fmt.Fprintln(tw, strings.Join(row, "\t")); err != nil {
			return err
		}
	}
	return tw.Flush()
}
