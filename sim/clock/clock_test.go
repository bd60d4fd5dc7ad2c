package clock

import (
	"sync"
	"testing"
	"time"
)

var start = time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC)

func TestVirtual(t *testing.T) {
	tests := []struct {
		name string
		run  func(v *Virtual)
		want time.Time
	}{
		{"start", func(*Virtual) {}, start},
		{"advance 35m", func(v *Virtual) { v.Advance(35 * time.Minute) }, start.Add(35 * time.Minute)},
		{"advance twice", func(v *Virtual) { v.Advance(time.Second); v.Advance(2 * time.Second) }, start.Add(3 * time.Second)},
		{"set back", func(v *Virtual) { v.Advance(time.Hour); v.Set(start.Add(-time.Minute)) }, start.Add(-time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVirtual(start)
			tt.run(v)
			if got := v.Now(); !got.Equal(tt.want) {
				t.Fatalf("Now() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVirtualStripsMonotonic(t *testing.T) {
	v := NewVirtual(time.Now())
	if got := v.Now(); got != got.Round(0) {
		t.Fatalf("Now() keeps a monotonic reading: %v", got)
	}
}

func TestVirtualConcurrentAdvance(t *testing.T) {
	v := NewVirtual(start)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v.Advance(time.Second)
			_ = v.Now()
		}()
	}
	wg.Wait()
	if got, want := v.Now(), start.Add(50*time.Second); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
}

func TestSkewed(t *testing.T) {
	v := NewVirtual(start)
	app := Skewed{Base: v, Offset: -27 * time.Second}
	if got, want := app.Now(), start.Add(-27*time.Second); !got.Equal(want) {
		t.Fatalf("Skewed.Now() = %v, want %v", got, want)
	}
	v.Advance(time.Minute)
	if got, want := app.Now(), start.Add(33*time.Second); !got.Equal(want) {
		t.Fatalf("Skewed.Now() after Advance = %v, want %v", got, want)
	}
	var _ Clock = Real{}
}

// While held, waits only note how far the clock must go; Release moves it there, never back.
func TestVirtualHold(t *testing.T) {
	start := time.Date(2025, 10, 6, 9, 0, 0, 0, time.UTC)
	v := NewVirtual(start)
	v.AdvanceTo(start.Add(-time.Minute)) // never back
	if !v.Now().Equal(start) {
		t.Fatalf("AdvanceTo an earlier instant moved the clock to %s", v.Now())
	}
	v.Hold()
	v.AdvanceTo(start.Add(12 * time.Second))
	v.Advance(5 * time.Second)
	v.AdvanceTo(start.Add(3 * time.Second))
	if !v.Now().Equal(start) {
		t.Fatalf("a held clock moved to %s", v.Now())
	}
	v.Release()
	if want := start.Add(12 * time.Second); !v.Now().Equal(want) {
		t.Fatalf("after Release the clock reads %s, want the furthest instant %s", v.Now(), want)
	}
	v.AdvanceTo(start.Add(20 * time.Second))
	if want := start.Add(20 * time.Second); !v.Now().Equal(want) {
		t.Fatalf("AdvanceTo after Release: %s, want %s", v.Now(), want)
	}
}
