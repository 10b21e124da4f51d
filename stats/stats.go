// Package stats fetches the account's figures from WeChat's data-analytics API (followers
// gained, lost and in all; each article's reads and shares) into the store, a day at a
// time within the API's span limits, through the SDK's typed datacube calls. Data for a
// day is ready the next morning, Beijing time; only verified accounts may read it.
package stats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount/datacube"

	"wxpub/store"
)

// API is the SDK's datacube calls; *datacube.DataCube has them.
type API interface {
	GetUserSummary(begin, end string) (datacube.ResUserSummary, error)
	GetUserAccumulate(begin, end string) (datacube.ResUserAccumulate, error)
	GetArticleTotal(begin, end string) (datacube.ResArticleTotal, error)
}

// Store keeps the figures; *store.Store has it.
type Store interface {
	SaveFollowerDays(ctx context.Context, days []store.FollowerDay) error
	SaveArticleDays(ctx context.Context, days []store.ArticleDay) error
}

// ErrNoPermission is Fetch's answer for an account that may not read analytics (48001:
// unverified).
var ErrNoPermission = errors.New("this account may not read analytics (48001: verified accounts only)")

// Beijing is the time zone WeChat's days are counted in.
var Beijing = time.FixedZone("CST", 8*3600)

// Fetch reads the figures of the days from first to last (YYYY-MM-DD, inclusive; last
// at most yesterday) and stores them: followers seven days a call, articles a day a call,
// as the API allows. It returns how many days it stored.
func Fetch(ctx context.Context, api API, st Store, first, last string) (int, error) {
	from, err := time.ParseInLocation(time.DateOnly, first, Beijing)
	if err != nil {
		return 0, fmt.Errorf("stats: from %q: want YYYY-MM-DD", first)
	}
	to, err := time.ParseInLocation(time.DateOnly, last, Beijing)
	if err != nil {
		return 0, fmt.Errorf("stats: to %q: want YYYY-MM-DD", last)
	}
	yesterday := time.Now().In(Beijing).AddDate(0, 0, -1).Format(time.DateOnly)
	if to.Format(time.DateOnly) > yesterday {
		to, _ = time.ParseInLocation(time.DateOnly, yesterday, Beijing)
	}
	days := 0
	for start := from; !start.After(to); start = start.AddDate(0, 0, 7) {
		end := start.AddDate(0, 0, 6)
		if end.After(to) {
			end = to
		}
		b, e := start.Format(time.DateOnly), end.Format(time.DateOnly)
		sum, err := api.GetUserSummary(b, e)
		if err != nil {
			return days, classify(err)
		}
		cum, err := api.GetUserAccumulate(b, e)
		if err != nil {
			return days, classify(err)
		}
		byDay := map[string]*store.FollowerDay{}
		var order []string
		get := func(day string) *store.FollowerDay {
			if d, ok := byDay[day]; ok {
				return d
			}
			byDay[day] = &store.FollowerDay{Day: day}
			order = append(order, day)
			return byDay[day]
		}
		for _, d := range sum.List {
			fd := get(d.RefDate)
			fd.New += d.NewUser
			fd.Cancel += d.CancelUser
		}
		for _, d := range cum.List {
			get(d.RefDate).Cumulated = d.CumulateUser
		}
		var rows []store.FollowerDay
		for _, day := range order {
			rows = append(rows, *byDay[day])
		}
		if err := st.SaveFollowerDays(ctx, rows); err != nil {
			return days, err
		}
		for day := start; !day.After(end); day = day.AddDate(0, 0, 1) {
			d := day.Format(time.DateOnly)
			tot, err := api.GetArticleTotal(d, d)
			if err != nil {
				return days, classify(err)
			}
			var arts []store.ArticleDay
			for _, a := range tot.List {
				ad := store.ArticleDay{Day: d, MsgID: a.MsgID, Title: a.Title}
				for _, det := range a.Details {
					if det.StatDate == d {
						ad.Reads, ad.Shares = det.IntPageReadUser, det.ShareUser
					}
				}
				arts = append(arts, ad)
			}
			if err := st.SaveArticleDays(ctx, arts); err != nil {
				return days, err
			}
			days++
		}
	}
	return days, nil
}

// classify turns the SDK's error strings into ours: it returns errcodes in text.
func classify(err error) error {
	if strings.Contains(err.Error(), "errcode=48001") {
		return ErrNoPermission
	}
	return fmt.Errorf("stats: %w", err)
}
