package sandbox

import (
	"hash/fnv"
	"net/http"
	"time"
)

// The follower analytics (datacube getusersummary and getusercumulate): figures derived
// from the date alone, so tests can predict them. A day's data is ready the next day;
// a request spans at most 7 days (61501 otherwise), as documented.

// CodeDateRange is datacube's answer to a span it does not serve.
const CodeDateRange = 61501

// dayFigure is a deterministic figure for a day and a series.
func dayFigure(day, series string, mod uint32) int {
	h := fnv.New32a()
	h.Write([]byte(series + day))
	return int(h.Sum32() % mod)
}

// dateRange reads and checks a datacube request's begin_date and end_date.
func (s *Sandbox) dateRange(body []byte, maxDays int) ([]string, *apiError) {
	var req struct {
		Begin string `json:"begin_date"`
		End   string `json:"end_date"`
	}
	if ae := decode(body, &req); ae != nil {
		return nil, ae
	}
	begin, err1 := time.Parse(time.DateOnly, req.Begin)
	end, err2 := time.Parse(time.DateOnly, req.End)
	today := s.now().In(beijing).Format(time.DateOnly)
	if err1 != nil || err2 != nil || end.Before(begin) || int(end.Sub(begin).Hours()/24) >= maxDays || req.End >= today {
		return nil, fail(CodeDateRange, "date range error hint: [%s]", s.newID(4))
	}
	var days []string
	for d := begin; !d.After(end); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}
	return days, nil
}

var beijing = time.FixedZone("CST", 8*3600)

func (s *Sandbox) handleUserSummary(r *http.Request, body []byte) (map[string]any, *apiError) {
	days, ae := s.dateRange(body, 7)
	if ae != nil {
		return nil, ae
	}
	list := []map[string]any{}
	for _, d := range days {
		list = append(list, map[string]any{"ref_date": d, "user_source": 0,
			"new_user": dayFigure(d, "new", 50), "cancel_user": dayFigure(d, "cancel", 10)})
	}
	return map[string]any{"list": list}, nil
}

func (s *Sandbox) handleUserCumulate(r *http.Request, body []byte) (map[string]any, *apiError) {
	days, ae := s.dateRange(body, 7)
	if ae != nil {
		return nil, ae
	}
	list := []map[string]any{}
	for _, d := range days {
		list = append(list, map[string]any{"ref_date": d, "cumulate_user": 5000 + dayFigure(d, "cumulate", 1000)})
	}
	return map[string]any{"list": list}, nil
}

// handleArticleTotal is getarticletotal: for one day, every article published by then,
// with that day's reads and shares (figures derived from the article and the day).
func (s *Sandbox) handleArticleTotal(r *http.Request, body []byte) (map[string]any, *apiError) {
	days, ae := s.dateRange(body, 1)
	if ae != nil {
		return nil, ae
	}
	day := days[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []map[string]any{}
	for _, id := range sortedKeys(s.articles) {
		j := s.articles[id]
		if j.Done.In(beijing).Format(time.DateOnly) > day || len(j.Articles) == 0 {
			continue
		}
		reads := 20 + dayFigure(day, id+"read", 300)
		list = append(list, map[string]any{"ref_date": day, "msgid": id + "_1", "title": j.Articles[0].Title,
			"details": []map[string]any{{"stat_date": day, "target_user": 5000, "int_page_read_user": reads,
				"int_page_read_count": reads + dayFigure(day, id+"again", 50), "ori_page_read_user": 0, "ori_page_read_count": 0,
				"share_user": dayFigure(day, id+"share", 40), "share_count": dayFigure(day, id+"share", 40) + 3,
				"add_to_fav_user": dayFigure(day, id+"fav", 10), "add_to_fav_count": dayFigure(day, id+"fav", 10)}}})
	}
	return map[string]any{"list": list}, nil
}
