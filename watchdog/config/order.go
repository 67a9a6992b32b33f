package config

import "container/heap"

// StartOrder returns service names so that every service comes after the
// services it depends on; among services free to start, file order wins.
// Services caught in a cycle (which Parse refuses) come last in file order.
//
// It is Kahn's algorithm with a heap of file positions for the ties:
// O((V+E) log V), so callers may compute it once per config and keep it.
func (c *Config) StartOrder() []string {
	names := c.serviceNames()
	index := make(map[string]int, len(names))
	for i, name := range names {
		index[name] = i
	}
	waiting := make([]int, len(names))      // unplaced dependencies of each service
	dependents := make([][]int, len(names)) // services waiting for each service
	for i, name := range names {
		for dep := range c.Services[name].DependsOn {
			if j, known := index[dep]; known {
				waiting[i]++
				dependents[j] = append(dependents[j], i)
			}
		}
	}
	ready := &intHeap{}
	for i := range names {
		if waiting[i] == 0 {
			ready.items = append(ready.items, i)
		}
	}
	heap.Init(ready)
	placed := make([]bool, len(names))
	order := make([]string, 0, len(names))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		placed[i] = true
		order = append(order, names[i])
		for _, j := range dependents[i] {
			if waiting[j]--; waiting[j] == 0 {
				heap.Push(ready, j)
			}
		}
	}
	for i, name := range names {
		if !placed[i] {
			order = append(order, name)
		}
	}
	return order
}

// StopOrder is StartOrder reversed: dependents stop before their dependencies.
func (c *Config) StopOrder() []string {
	order := c.StartOrder()
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// intHeap is a min-heap of file positions.
type intHeap struct{ items []int }

func (h *intHeap) Len() int           { return len(h.items) }
func (h *intHeap) Less(i, j int) bool { return h.items[i] < h.items[j] }
func (h *intHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *intHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *intHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
