Feature: Banner

  Scenario: Show the banner
    When it takes 20 ms
    Then it is done

  @slow
  Scenario: Show the alerts
    When it takes 60 ms
    Then it is done
