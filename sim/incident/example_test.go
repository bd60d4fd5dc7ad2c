package incident

import (
	"fmt"
	"os"
)

func ExampleLoad() {
	inc, err := Load("testdata/call-687-688.yaml")
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	fmt.Println(inc.Name, inc.Policy, inc.LayersSpec, len(inc.Steps), inc.Steps[1].At, inc.Steps[1].Book.Expect.Layer)
	// Output: call-687-688 seed all 2 35m0s freshness
}
