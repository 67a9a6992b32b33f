package config

// StartOrder returns service names so that every service comes after the
// services it depends on; among services free to start, file order wins.
// Services caught in a cycle (which Parse refuses) come last in file order.
func (c *Config) StartOrder() []string {
	names := c.serviceNames()
	placed := make(map[string]bool, len(names))
	order := make([]string, 0, len(names))
	for len(order) < len(names) {
		progress := false
		for _, name := range names {
			if placed[name] || !c.depsPlaced(name, placed) {
				continue
			}
			placed[name] = true
			order = append(order, name)
			progress = true
			break // restart from the top so earlier services win ties
		}
		if !progress {
			for _, name := range names {
				if !placed[name] {
					placed[name] = true
					order = append(order, name)
				}
			}
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

func (c *Config) depsPlaced(name string, placed map[string]bool) bool {
	for dep := range c.Services[name].DependsOn {
		if _, known := c.Services[dep]; known && !placed[dep] {
			return false
		}
	}
	return true
}
