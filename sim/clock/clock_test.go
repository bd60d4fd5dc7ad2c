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
