package orcid

import (
	"encoding/xml"
	"fmt"
)

var (
	xnWork        = xml.Name{Space: NSWork, Local: "work"}
	xnWorkSummary = xml.Name{Space: NSWork, Local: "work-summary"}
	xnWorks       = xml.Name{Space: NSActivities, Local: "works"}
	xnBulk        = xml.Name{Space: NSBulk, Local: "bulk"}
	xnError       = xml.Name{Space: NSError, Local: "error"}
)

// Work is a full work (work:work), as POSTed to /work and returned by
// /work/{put-code}.
type Work struct {
	ItemMeta
	DisplayIndex     string        `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Title            *Title        `xml:"http://www.orcid.org/ns/work title,omitempty" json:"title,omitempty"`
	JournalTitle     *Text         `xml:"http://www.orcid.org/ns/work journal-title,omitempty" json:"journal-title,omitempty"`
	ShortDescription string        `xml:"http://www.orcid.org/ns/work short-description,omitempty" json:"short-description,omitempty"`
	Citation         *Citation     `xml:"http://www.orcid.org/ns/work citation,omitempty" json:"citation,omitempty"`
	Type             string        `xml:"http://www.orcid.org/ns/work type,omitempty" json:"type,omitempty"`
	PublicationDate  *FuzzyDate    `xml:"http://www.orcid.org/ns/common publication-date,omitempty" json:"publication-date,omitempty"`
	ExternalIDs      *ExternalIDs  `xml:"http://www.orcid.org/ns/common external-ids,omitempty" json:"external-ids,omitempty"`
	URL              *Text         `xml:"http://www.orcid.org/ns/common url,omitempty" json:"url,omitempty"`
	Contributors     *Contributors `xml:"http://www.orcid.org/ns/work contributors,omitempty" json:"contributors,omitempty"`
	LanguageCode     string        `xml:"http://www.orcid.org/ns/common language-code,omitempty" json:"language-code,omitempty"`
	Country          *Country      `xml:"http://www.orcid.org/ns/common country,omitempty" json:"country,omitempty"`
}

// MarshalXML names the root work:work.
func (w Work) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Work
	return e.EncodeElement(plain(w), xmlRoot(start, xnWork))
}

// UnmarshalXML accepts only a work:work element.
func (w *Work) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnWork); err != nil {
		return err
	}
	type plain Work
	return d.DecodeElement((*plain)(w), &start)
}

// ItemKind returns KindWork.
func (w *Work) ItemKind() ItemKind { return KindWork }

// GetExternalIDs returns the work's identifiers.
func (w *Work) GetExternalIDs() []ExternalID { return w.ExternalIDs.list() }

// DisplayTitle returns the work title.
func (w *Work) DisplayTitle() string { return w.Title.String() }

// Summary derives the work-summary ORCID lists under /works. The summary
// shares pointers with w.
func (w *Work) Summary() WorkSummary {
	return WorkSummary{
		ItemMeta:        w.ItemMeta,
		DisplayIndex:    w.DisplayIndex,
		Title:           w.Title,
		ExternalIDs:     w.ExternalIDs,
		URL:             w.URL,
		Type:            w.Type,
		PublicationDate: w.PublicationDate,
		JournalTitle:    w.JournalTitle,
	}
}

// WorkSummary is work:work-summary. Its element order differs from Work's,
// hence a separate type.
type WorkSummary struct {
	ItemMeta
	DisplayIndex    string       `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Title           *Title       `xml:"http://www.orcid.org/ns/work title,omitempty" json:"title,omitempty"`
	ExternalIDs     *ExternalIDs `xml:"http://www.orcid.org/ns/common external-ids,omitempty" json:"external-ids,omitempty"`
	URL             *Text        `xml:"http://www.orcid.org/ns/common url,omitempty" json:"url,omitempty"`
	Type            string       `xml:"http://www.orcid.org/ns/work type,omitempty" json:"type,omitempty"`
	PublicationDate *FuzzyDate   `xml:"http://www.orcid.org/ns/common publication-date,omitempty" json:"publication-date,omitempty"`
	JournalTitle    *Text        `xml:"http://www.orcid.org/ns/work journal-title,omitempty" json:"journal-title,omitempty"`
}

// MarshalXML names the root work:work-summary.
func (w WorkSummary) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain WorkSummary
	return e.EncodeElement(plain(w), xmlRoot(start, xnWorkSummary))
}

// UnmarshalXML accepts only a work:work-summary element.
func (w *WorkSummary) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnWorkSummary); err != nil {
		return err
	}
	type plain WorkSummary
	return d.DecodeElement((*plain)(w), &start)
}

// Works is the /works section (activities:works): summaries grouped by
// shared external identifiers.
type Works struct {
	Path             string      `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp  `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Groups           []WorkGroup `xml:"http://www.orcid.org/ns/activities group" json:"group,omitempty"`
}

// MarshalXML names the root activities:works.
func (w Works) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Works
	return e.EncodeElement(plain(w), xmlRoot(start, xnWorks))
}

// UnmarshalXML accepts only an activities:works element.
func (w *Works) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnWorks); err != nil {
		return err
	}
	type plain Works
	return d.DecodeElement((*plain)(w), &start)
}

// WorkGroup is one activities:group of work summaries. ExternalIDs is the
// union of the members' groupable identifiers; the XSD requires the element
// even when empty.
type WorkGroup struct {
	LastModifiedDate *Timestamp    `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	ExternalIDs      ExternalIDs   `xml:"http://www.orcid.org/ns/common external-ids" json:"external-ids"`
	Summaries        []WorkSummary `xml:"http://www.orcid.org/ns/work work-summary" json:"work-summary,omitempty"`
}

// Bulk is bulk:bulk: up to 100 works POSTed to /works, and the response,
// where each position holds the created work or an error.
type Bulk struct {
	Items []BulkItem `json:"bulk,omitempty"`
}

// BulkItem holds exactly one of Work or Error.
type BulkItem struct {
	Work  *Work      `json:"work,omitempty"`
	Error *ErrorBody `json:"error,omitempty"`
}

// MarshalXML writes the items in order as work:work or error:error; the XML
// form has no per-item wrapper, unlike the JSON one.
func (b Bulk) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start = xmlRoot(start, xnBulk)
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for i, it := range b.Items {
		var err error
		switch {
		case it.Work != nil && it.Error == nil:
			err = e.EncodeElement(it.Work, xml.StartElement{Name: xnWork})
		case it.Error != nil && it.Work == nil:
			err = e.EncodeElement(it.Error, xml.StartElement{Name: xnError})
		default:
			err = fmt.Errorf("orcid: bulk item %d must hold exactly one of work or error", i)
		}
		if err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads work:work and error:error children in order and
// ignores anything else, as JAXB does.
func (b *Bulk) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnBulk); err != nil {
		return err
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name {
			case xnWork:
				w := new(Work)
				if err := d.DecodeElement(w, &t); err != nil {
					return err
				}
				b.Items = append(b.Items, BulkItem{Work: w})
			case xnError:
				eb := new(ErrorBody)
				if err := d.DecodeElement(eb, &t); err != nil {
					return err
				}
				b.Items = append(b.Items, BulkItem{Error: eb})
			default:
				if err := d.Skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			return nil
		}
	}
}

// Works returns the works of the bulk, skipping error entries.
func (b *Bulk) Works() []*Work {
	var ws []*Work
	for _, it := range b.Items {
		if it.Work != nil {
			ws = append(ws, it.Work)
		}
	}
	return ws
}
